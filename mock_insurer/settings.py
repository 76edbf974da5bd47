"""Settings of the mock insurer, kept in one small immutable value."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


def default_repo_root() -> Path:
    """The repository this package lives in: the contracts and schemas are read from it."""
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """How the mock insurer listens and whom it trusts.

    Port 0 asks the OS for a free port, which is what in-process tests want; the bound
    port is then read back from the running server.
    """

    host: str = "127.0.0.1"
    port: int = 8090
    admin_port: int = 8091
    user: str = "hub"
    password: str = "hub-secret"
    repo_root: Path = field(default_factory=default_repo_root)
    public_base_url: str | None = None
    """Base URL written into the served WSDL; by default taken from each request's Host."""
    max_body_bytes: int = 2 * 1024 * 1024
    """Requests above this size are rejected before any parsing."""
    hub_url: str | None = None
    """Where the insurer pushes its side of a workflow; None: it only answers."""
    hub_channel: str = "rest"
    stamp_on_signature: bool = False
    """Stamp every signed agreement received (X-IN-2), after ``decision_delay_seconds``."""
    offer_on_stamp: bool = True
    """Push a pending policy (X-IN-1) once an agreement this insurer stamped is 签约成功."""
    decide_applications: bool = True
    """Accept or return every application received (X-IN-4)."""
    reply_inquiries: bool = True
    """Answer every inquiry received (X-IN-7), after ``decision_delay_seconds``."""
    review_claims: bool = True
    """Review every claim received (X-IN-5), after ``decision_delay_seconds``."""
    claim_return_pattern: str = "退回"
    """A first submission whose 减损措施 matches this is returned (退回), others approved."""
    decision_delay_seconds: float = 0.2
    return_email_pattern: str = r"^return"
    """An application whose contact e-mail matches this is returned (退回), others accepted."""

    @property
    def xsd_dir(self) -> Path:
        return self.repo_root / "xsd"

    @property
    def insurer_wsdl(self) -> Path:
        return self.repo_root / "contracts" / "insurer.wsdl"
