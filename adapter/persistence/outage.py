"""Which failures mean "the database is not there", and their one name for the layers above.

Refused, reset and timed-out connections surface as different exceptions depending on the
driver and on where they happen (connect, pool wait, statement, commit). The unit of work
turns all of them into :class:`StoreUnavailable`, so the receiving use case answers 503,
the portal 503, and nothing above persistence knows the driver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import exc

from adapter.domain.errors import StoreUnavailable

try:  # the PostgreSQL driver's own connection errors, when it is installed
    from asyncpg import exceptions as _pg

    _DRIVER: tuple[type[BaseException], ...] = (_pg.PostgresConnectionError,
                                                 _pg.InterfaceError, _pg.CannotConnectNowError,
                                                 _pg.QueryCanceledError, _pg.AdminShutdownError)
except ImportError:  # pragma: no cover - asyncpg is a dependency
    _DRIVER = ()

_OUTAGES: tuple[type[BaseException], ...] = (OSError, TimeoutError, exc.TimeoutError, *_DRIVER)
# SQLite reports a busy or vanished file as OperationalError, as it does a bad statement.
_SQLITE_OUTAGE = ("database is locked", "disk i/o error", "unable to open database")


def is_outage(error: BaseException) -> bool:
    """True for a failure of the database's reachability rather than of the statement:
    the error itself, the driver's error inside it, or whatever caused that."""
    seen: BaseException | None = error
    for _ in range(6):  # a driver error wraps its cause a few levels deep at most
        if seen is None:
            return False
        if isinstance(seen, (StoreUnavailable, *_OUTAGES)):
            return True
        if isinstance(seen, exc.DBAPIError):
            if seen.connection_invalidated:
                return True
            if isinstance(seen, exc.OperationalError) and any(
                    words in str(seen.orig).lower() for words in _SQLITE_OUTAGE):
                return True
            seen = seen.orig
            continue
        seen = seen.__cause__ or seen.__context__
    return False


@asynccontextmanager
async def outage_as_unavailable() -> AsyncIterator[None]:
    try:
        yield
    except StoreUnavailable:
        raise
    except BaseException as error:
        if is_outage(error):
            raise StoreUnavailable(f"{type(error).__name__}: {error}"[:300]) from error
        raise
