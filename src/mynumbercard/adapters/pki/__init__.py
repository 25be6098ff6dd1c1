"""The JPKI certificate authority: keys, hierarchy, certificate profiles, CRLs, OCSP.

The PKCS#11 key store is in `mynumbercard.adapters.pki.hsm` (it loads python-pkcs11's
C extension, which file-key deployments do not need).
"""

from mynumbercard.adapters.pki.crl import RevokedEntry
from mynumbercard.adapters.pki.errors import (
    CaAlreadyInitialised,
    CaKeyMismatch,
    CaKeyNotFound,
    CaNotInitialised,
    HsmUnavailable,
    InvalidCsr,
    MalformedOcspRequest,
    MissingHolderIdentity,
    PersonalDataNotAllowed,
    WrongCaKeyPassphrase,
    WrongHsmPin,
)
from mynumbercard.adapters.pki.hierarchy import CaHierarchy
from mynumbercard.adapters.pki.keys import CaSigner, FileKeyStore, KeyStore
from mynumbercard.adapters.pki.ocsp import (
    OcspQuery,
    OcspStatus,
    PlainRequests,
    ocsp_error_response,
    ocsp_request,
    parse_ocsp_request,
)
from mynumbercard.adapters.pki.profiles import CertKind, HolderIdentity

__all__ = [
    "CaAlreadyInitialised",
    "CaHierarchy",
    "CaKeyMismatch",
    "CaKeyNotFound",
    "CaNotInitialised",
    "CaSigner",
    "CertKind",
    "FileKeyStore",
    "HolderIdentity",
    "HsmUnavailable",
    "InvalidCsr",
    "KeyStore",
    "MalformedOcspRequest",
    "MissingHolderIdentity",
    "OcspQuery",
    "OcspStatus",
    "PersonalDataNotAllowed",
    "PlainRequests",
    "RevokedEntry",
    "WrongCaKeyPassphrase",
    "WrongHsmPin",
    "ocsp_error_response",
    "ocsp_request",
    "parse_ocsp_request",
]
