"""The CA's situations, as branches of the domain's error tree.

Messages name the situation and never carry a passphrase, a PIN or personal data.
"""

from __future__ import annotations

from mynumbercard.domain import errors


class WrongCaKeyPassphrase(errors.AuthenticationFailed):
    code = "wrong_ca_key_passphrase"

    def __init__(self) -> None:
        super().__init__("wrong CA key passphrase")


class WrongHsmPin(errors.AuthenticationFailed):
    code = "wrong_hsm_pin"

    def __init__(self) -> None:
        super().__init__("wrong HSM user PIN (or the PIN is locked)")


class CaKeyNotFound(errors.NotFound):
    code = "ca_key_not_found"


class HsmUnavailable(errors.NotFound):
    """The PKCS#11 module or its token cannot be found."""

    code = "hsm_unavailable"


class CaKeyExists(errors.Conflict):
    code = "ca_key_exists"


class CaKeyMismatch(errors.Conflict):
    """The key store holds a different key from the one the certificate names."""

    code = "ca_key_mismatch"


class CaAlreadyInitialised(errors.Conflict):
    code = "ca_already_initialised"

    def __init__(self) -> None:
        super().__init__("a CA hierarchy already exists there; refusing to overwrite it")


class CaNotInitialised(errors.NotFound):
    code = "ca_not_initialised"

    def __init__(self) -> None:
        super().__init__("no CA hierarchy there: run `mynumbercard ca init` first")


class InvalidCsr(errors.InvalidInput):
    code = "invalid_csr"


class MissingHolderIdentity(errors.InvalidInput):
    code = "missing_holder_identity"


class PersonalDataNotAllowed(errors.InvalidInput):
    code = "personal_data_not_allowed"


class MalformedOcspRequest(errors.InvalidInput):
    code = "malformed_ocsp_request"
