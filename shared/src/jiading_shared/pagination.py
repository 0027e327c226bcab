"""Pagination of every list endpoint: one `limit` / `offset` pair with a hard maximum, and a `Link: <...>; rel="next"`
header (RFC 8288) when there is more.

Why offset and not a keyset cursor: the lists of the suite are ordered by many different keys (deadline, urgency,
town then name, time then id, score), most are small children of one record (a ticket's log, a project's activities),
and several are computed in memory (work lists, compliance results). One offset window works the same for all of
them; a keyset cursor would need a cursor format per ordering. Every paginated query orders by a unique key last, so
a window is stable while the data does not change. Deep offsets are capped (`MAX_OFFSET`): past it, narrow the list
with its filters (town, dates, status).

How the caller learns there is more: the route fetches one row more than `limit`; when it comes back, the response
carries `Link: <same URL with offset+limit>; rel="next"`. No header means the window is the last one. Responses stay
plain JSON arrays, so the existing response schemas do not change.

In a route:

    @router.get("")
    def list_things(session: SessionDep, page: PageDep) -> list[ThingOut]:
        return page.rows(session.exec(page.select(select(Thing).order_by(Thing.id))).all())   # a query
        return page.slice(compute_everything())                                              # a list in memory

A route with heavier items takes a stricter window: `Annotated[Page, Depends(pagination(default=50, maximum=200))]`.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request, Response

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
# Past this, a list is narrowed by its filters rather than paged through; it also keeps OFFSET inside a bigint.
MAX_OFFSET = 1_000_000

Item = TypeVar("Item")
Statement = TypeVar("Statement")


@dataclass
class Page:
    """The window a caller asked for, and the response whose headers say whether there is more."""

    limit: int
    offset: int
    request: Request
    response: Response

    @property
    def fetch(self) -> int:
        """Rows to fetch: one more than the window, to know whether there is a next one."""
        return self.limit + 1

    def select(self, statement: Statement) -> Statement:
        """`statement` (a SQLAlchemy / SQLModel select, already ordered) restricted to the window plus one row."""
        return statement.limit(self.fetch).offset(self.offset)  # type: ignore[attr-defined, no-any-return]

    def rows(self, fetched: Sequence[Item]) -> list[Item]:
        """The first `limit` of rows fetched through `select` (or with `limit=page.fetch, offset=page.offset`);
        sets the next link when there was one more."""
        items = list(fetched)
        if len(items) > self.limit:
            next_url = self.request.url.include_query_params(limit=self.limit, offset=self.offset + self.limit)
            self.response.headers["Link"] = f'<{next_url}>; rel="next"'
        return items[: self.limit]

    def slice(self, items: Sequence[Item]) -> list[Item]:
        """The window of a complete, ordered list built in memory."""
        return self.rows(items[self.offset : self.offset + self.fetch])


def pagination(default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> Callable[..., Page]:
    """A dependency reading `limit` (1..maximum, default `default`) and `offset` (0..MAX_OFFSET) from the query."""
    if not 1 <= default <= maximum <= MAX_LIMIT:
        raise ValueError(f"need 1 <= default <= maximum <= {MAX_LIMIT}")

    # No `from __future__ import annotations` in this module: the Query bounds below come from this closure, so the
    # annotations must be evaluated here, not resolved later by name.
    def dependency(
        request: Request,
        response: Response,
        limit: Annotated[
            int,
            Query(
                ge=1,
                le=maximum,
                description=f'Items per page (at most {maximum}). A `Link: <...>; rel="next"` header means more.',
            ),
        ] = default,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip (from the `next` link).")] = 0,
    ) -> Page:
        return Page(limit=limit, offset=offset, request=request, response=response)

    return dependency


PageDep = Annotated[Page, Depends(pagination())]
