"""Passwords live in the OS keyring, never in the config file or the database.

The only caller of ``keyring``, imported on first use so that commands which
need no secret (``remind`` to stdout, from cron, on a machine with no keyring
at all) never load it. Every keyring failure becomes a one-line
``SecretError`` (exit 1) instead of a traceback; an unknown secret's name or
an empty password is the user's mistake, a ``ValidationError`` (exit 2).
"""

from __future__ import annotations

from .store.errors import TinyCRMError, ValidationError

SERVICE = "tinycrm"
KNOWN = {"smtp": "the SMTP password used by `tinycrm remind --via email`"}


class SecretError(TinyCRMError):
    pass


def check_name(name: str) -> str:
    if name not in KNOWN:
        raise ValidationError(f"unknown secret {name!r}: tinycrm keeps only {', '.join(sorted(KNOWN))}")
    return name


def _keyring():
    try:
        import keyring
        import keyring.errors
    except Exception as exc:  # a broken install or backend module
        raise SecretError(f"can't load the keyring library: {exc}") from None
    return keyring


def _fail(exc: Exception, doing: str) -> SecretError:
    import keyring.errors

    if isinstance(exc, keyring.errors.NoKeyringError):
        return SecretError(
            f"can't {doing}: no keyring backend is available on this machine (install and unlock"
            " a Secret Service, KWallet or macOS Keychain, or choose one with PYTHON_KEYRING_BACKEND)"
        )
    text = " ".join(str(exc).split()) or type(exc).__name__
    return SecretError(f"can't {doing}: the keyring said: {text}")


def get_secret(name: str) -> str | None:
    """The stored secret, or None when none is stored."""
    check_name(name)
    keyring = _keyring()
    try:
        return keyring.get_password(SERVICE, name)
    except Exception as exc:
        raise _fail(exc, f"read the {name} password from the keyring") from None


def set_secret(name: str, value: str) -> None:
    check_name(name)
    if not value:
        raise ValidationError("an empty password was not stored")
    keyring = _keyring()
    try:
        keyring.set_password(SERVICE, name, value)
    except Exception as exc:
        raise _fail(exc, f"store the {name} password in the keyring") from None


def delete_secret(name: str) -> bool:
    """Forget the secret; False if there was none."""
    check_name(name)
    keyring = _keyring()  # with keyring.errors loaded
    try:
        keyring.delete_password(SERVICE, name)
    except keyring.errors.PasswordDeleteError:
        return False
    except Exception as exc:
        raise _fail(exc, f"delete the {name} password from the keyring") from None
    return True
