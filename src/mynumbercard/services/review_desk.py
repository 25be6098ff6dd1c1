"""The review desk's reads beyond the API's: the next application to review (the oldest
received), and where the photo check looked, to draw its findings on the photo."""

from __future__ import annotations

from datetime import datetime

from mynumbercard.domain.application import ApplicationStatus
from mynumbercard.domain.photo import PhotoMarks
from mynumbercard.domain.staff import Actor, Permission
from mynumbercard.services import applications, lookups
from mynumbercard.services.application_ports import PhotoMarker, PhotoStore
from mynumbercard.services.lookup_ports import QueueFilter


def next_to_review(uow_factory: lookups.UowFactory, *, actor: Actor,
                   now: datetime) -> int | None:
    """The reference of the oldest received application (None: the queue is empty)."""
    actor.require(Permission.APPLICATION_REVIEW)
    page = lookups.application_queue(uow_factory, actor=actor,
                                     wanted=QueueFilter(ApplicationStatus.RECEIVED),
                                     limit=1, now=now)
    return page.applications[0].id if page.applications else None


def photo_marks(uow_factory: applications.UowFactory, photos: PhotoStore,
                marker: PhotoMarker, *, actor: Actor, application_ref: int,
                now: datetime) -> PhotoMarks | None:
    """Where the check looked on the application's photo (the read is audited as the
    photo's)."""
    return marker.marks(applications.application_photo(
        uow_factory, photos, actor=actor, application_ref=application_ref, now=now))
