"""The audit log's vocabulary: every action a record may name, in one scheme.

An action is `<kind>:<verb>`: the kind of thing acted on (singular, as in the record's
subject) and what was done to it, in the imperative, both in kebab-case
(`card:confirm-loss`). Records written before this scheme keep their names in the log
(it is append-only and hash-chained, so nothing is rewritten): `ALIASES` maps each old
name to its action, and `AuditAction.parse` reads either.
"""

from __future__ import annotations

from enum import StrEnum

from mynumbercard.domain.certificate import LifeEvent


class AuditAction(StrEnum):
    APPLICATION_APPROVE = "application:approve"
    APPLICATION_ISSUE_FORM = "application:issue-form"
    APPLICATION_LIST = "application:list"
    APPLICATION_MARK_DEFICIENT = "application:mark-deficient"
    APPLICATION_READ = "application:read"
    APPLICATION_RESUBMIT = "application:resubmit"
    APPLICATION_REVIEW = "application:review"
    APPLICATION_SUBMIT = "application:submit"
    APPLICATION_VOID = "application:void"

    APPOINTMENT_ARRIVE = "appointment:arrive"
    APPOINTMENT_BOOK = "appointment:book"
    APPOINTMENT_CANCEL = "appointment:cancel"
    APPOINTMENT_CHANGE = "appointment:change"
    APPOINTMENT_END = "appointment:end"
    APPOINTMENT_MARK_NO_SHOW = "appointment:mark-no-show"
    APPOINTMENT_REMIND = "appointment:remind"
    APPOINTMENT_START = "appointment:start"

    CARD_CONFIRM_LOSS = "card:confirm-loss"
    CARD_CONTINUE = "card:continue"
    CARD_DESTROY = "card:destroy"
    CARD_EXPIRE = "card:expire"
    CARD_EXTEND_VALIDITY = "card:extend-validity"
    CARD_HAND_OVER = "card:hand-over"
    CARD_LAPSE = "card:lapse"
    CARD_READ = "card:read"
    CARD_REGISTER = "card:register"
    CARD_REPORT_FOUND = "card:report-found"
    CARD_REPORT_LOSS = "card:report-loss"
    CHIP_AUTHORISE = "chip:authorise"  # an admin command for the counter terminal's card

    CERTIFICATE_EXPIRE = "certificate:expire"
    CERTIFICATE_ISSUE = "certificate:issue"
    CERTIFICATE_RENEW = "certificate:renew"
    CERTIFICATE_REVOKE = "certificate:revoke"
    CERTIFICATE_SUSPEND = "certificate:suspend"
    # What a life event did to a certificate (`certificates.apply_event_in`).
    CERTIFICATE_APPLY_PERSONAL_DATA_CHANGED = "certificate:apply-personal-data-changed"
    CERTIFICATE_APPLY_CARD_LOST = "certificate:apply-card-lost"
    CERTIFICATE_APPLY_CARD_FOUND = "certificate:apply-card-found"
    CERTIFICATE_APPLY_DEATH = "certificate:apply-death"
    CERTIFICATE_APPLY_LOSS_OF_RESIDENCE = "certificate:apply-loss-of-residence"
    CERTIFICATE_APPLY_CARD_RETURNED = "certificate:apply-card-returned"
    CERTIFICATE_APPLY_RENEWED = "certificate:apply-renewed"

    COUNTER_TASK_CANCEL = "counter-task:cancel"
    COUNTER_TASK_CREATE = "counter-task:create"
    COUNTER_TASK_FINISH = "counter-task:finish"
    COUNTER_TASK_TAKE = "counter-task:take"

    CUSTODY_CANCEL = "custody:cancel"
    CUSTODY_COLLECT = "custody:collect"
    CUSTODY_DELIVER = "custody:deliver"
    CUSTODY_LEAVE = "custody:leave"
    CUSTODY_MAIL = "custody:mail"
    CUSTODY_RENEW = "custody:renew"
    CUSTODY_RETURN = "custody:return"

    JOB_RESUME = "job:resume"  # from the operators' console (the server runs the run)

    LETTER_PRINT_ISSUANCE_NOTICE = "letter:print-issuance-notice"
    LETTER_PRINT_PICK_UP_REMINDER = "letter:print-pick-up-reminder"
    LETTER_QUEUE = "letter:queue"
    LETTER_REPRINT = "letter:reprint"

    MAIL_RESUME = "mail:resume"
    EMAIL_SEND = "email:send"
    MAIL_SEND = "mail:send"
    MAIL_SUSPEND = "mail:suspend"

    OCSP_PRODUCE = "ocsp:produce"

    OFFICE_CONFIGURE = "office:configure"
    OFFICE_SET_DAY = "office:set-day"

    PHOTO_READ = "photo:read"
    PIN_UNLOCK = "pin:unlock"
    PIN_FORM_DESTROY = "pin-form:destroy"
    PIN_FORM_OPEN = "pin-form:open"

    PRODUCTION_RUN = "production:run"
    PRODUCTION_SHIP = "production:ship"
    SHIPMENT_RECEIVE = "shipment:receive"

    RESIDENT_CANCEL_MOVE_OUT = "resident:cancel-move-out"
    RESIDENT_CHANGE_NAME = "resident:change-name"
    RESIDENT_CORRECT_ADDRESS = "resident:correct-address"
    RESIDENT_DIE = "resident:die"
    RESIDENT_EMIGRATE = "resident:emigrate"
    RESIDENT_EXTEND_STAY = "resident:extend-stay"
    RESIDENT_LIST = "resident:list"
    RESIDENT_MOVE = "resident:move"
    KIOSK_ANNOUNCE_MAINTENANCE = "kiosk:announce-maintenance"
    KIOSK_CHALLENGE = "kiosk:challenge"
    KIOSK_ISSUE_DOCUMENT = "kiosk:issue-document"
    KIOSK_OFFER = "kiosk:offer"
    KIOSK_PRUNE_CHALLENGES = "kiosk:prune-challenges"
    KIOSK_REFUSE = "kiosk:refuse"
    KIOSK_SETTLEMENT = "kiosk:settlement"
    KIOSK_VERIFY = "kiosk:verify"

    POINTS_ADD_CAMPAIGN = "points:add-campaign"
    POINTS_BALANCE = "points:balance"
    POINTS_CARD_REFUSE = "points:card-refuse"
    POINTS_ENROL = "points:enrol"
    POINTS_REFUSE = "points:refuse"
    POINTS_REPORT = "points:report"
    POINTS_REPORT_BATCH = "points:report-batch"
    POINTS_SETTLEMENT = "points:settlement"
    POINTS_SIGN_IN = "points:sign-in"
    RELYING_PARTY_ADD = "relying-party:add"
    RELYING_PARTY_DISABLE = "relying-party:disable"
    RELYING_PARTY_LIST = "relying-party:list"
    RELYING_PARTY_REFUSE = "relying-party:refuse"

    RESIDENT_MOVE_IN = "resident:move-in"
    RESIDENT_MOVE_OUT = "resident:move-out"
    RESIDENT_READ = "resident:read"
    RESIDENT_REGISTER = "resident:register"
    RESIDENT_SEARCH = "resident:search"

    SIMULATION_RUN = "simulation:run"

    STAFF_ADD = "staff:add"
    STAFF_ADD_SERVICE = "staff:add-service"
    STAFF_CHANGE_ROLE = "staff:change-role"
    STAFF_END_SESSIONS = "staff:end-sessions"
    STAFF_DISABLE = "staff:disable"
    STAFF_ENROL_TOTP = "staff:enrol-totp"
    STAFF_FAIL_SIGN_IN = "staff:fail-sign-in"
    STAFF_LIST = "staff:list"
    STAFF_LOCK = "staff:lock"
    STAFF_RESET_PASSWORD = "staff:reset-password"  # noqa: S105 - an action, not a secret
    STAFF_RUN_SERVICE = "staff:run-service"
    STAFF_SIGN_IN = "staff:sign-in"
    STAFF_SIGN_OUT = "staff:sign-out"

    VALIDITY_CHECK = "validity:check"
    VALIDITY_CORRECT = "validity:correct"
    VALIDITY_DISMISS = "validity:dismiss"

    WALK_IN_ARRIVE = "walk-in:arrive"
    WALK_IN_END = "walk-in:end"
    WALK_IN_LEAVE = "walk-in:leave"
    WALK_IN_START = "walk-in:start"

    @classmethod
    def parse(cls, stored: str) -> AuditAction:
        """The action a stored record names, by its name today or an older one;
        ValueError for a name the log never held."""
        return ALIASES.get(stored) or cls(stored)

    @classmethod
    def for_life_event(cls, event: LifeEvent) -> AuditAction:
        return cls("certificate:apply-" + event.value.replace("_", "-"))


# The names records were written with before the one scheme: read, never written.
ALIASES: dict[str, AuditAction] = {
    "application:deficient": AuditAction.APPLICATION_MARK_DEFICIENT,
    "application:form": AuditAction.APPLICATION_ISSUE_FORM,
    "card:found": AuditAction.CARD_REPORT_FOUND,
    "card:loss-confirm": AuditAction.CARD_CONFIRM_LOSS,
    "card:validity-extension": AuditAction.CARD_EXTEND_VALIDITY,
    **{f"certificate:{e.value}": AuditAction.for_life_event(e) for e in LifeEvent},
    "letter:issuance-notice": AuditAction.LETTER_PRINT_ISSUANCE_NOTICE,
    "letter:pick-up-reminder": AuditAction.LETTER_PRINT_PICK_UP_REMINDER,
    "letters:queue": AuditAction.LETTER_QUEUE,
    "pin-form:destroyed": AuditAction.PIN_FORM_DESTROY,
    "pin-form:opened": AuditAction.PIN_FORM_OPEN,
    "resident:address-correction": AuditAction.RESIDENT_CORRECT_ADDRESS,
    "resident:death": AuditAction.RESIDENT_DIE,
    "resident:moving-in": AuditAction.RESIDENT_MOVE_IN,
    "resident:moving-out": AuditAction.RESIDENT_MOVE_OUT,
    "resident:moving-out-cancel": AuditAction.RESIDENT_CANCEL_MOVE_OUT,
    "resident:name-change": AuditAction.RESIDENT_CHANGE_NAME,
    "resident:stay-extension": AuditAction.RESIDENT_EXTEND_STAY,
    "simulation": AuditAction.SIMULATION_RUN,
    "staff:locked": AuditAction.STAFF_LOCK,
    "staff:service-run": AuditAction.STAFF_RUN_SERVICE,
    "staff:sign-in-failed": AuditAction.STAFF_FAIL_SIGN_IN,
    "staff:totp-enrol": AuditAction.STAFF_ENROL_TOTP,
    "validity:audit": AuditAction.VALIDITY_CHECK,
}
