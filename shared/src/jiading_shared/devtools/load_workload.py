"""The mixed workload of `make load`: reference data seeded through the APIs, then an open-loop stream of requests
across the five services with the tokens of the people who send them (协管员, 城运中心, 部门参勤, 帮办, 图书馆,
评估专家).

Open loop: arrivals follow a Poisson process at the target rate whatever the services answer, and each request's
latency is measured from its *scheduled* start, so a slow service cannot hide its queue by slowing the generator down
(no coordinated omission). A request whose connection is refused (the service restarting) was never received, so it
is retried — whatever its method — until the service answers; GETs are also retried after any other transport error;
a POST that fails after it may have reached the service is counted as "outcome unknown", never retried.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from stdnum.cn import ric

from jiading_shared.auth import mint_token
from jiading_shared.service import API_PREFIX
from jiading_shared.settings import ServiceSettings

TOWN = "jd-anting"
COMMITTEE = "jd-anting-c01"
AREAS = 4
BUILDINGS_PER_AREA = 25
ROOMS_PER_BUILDING = 10
STATIONS = ["ps-anting", "ps-huangdu"]
LIBRARY_TOWNS = [f"jd-town-{n:02d}" for n in range(8)]
MATTER_DEPARTMENT = "market-reg"
CONNECT_RETRY_S = 60.0  # how long a refused connection is retried (a restarting service)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def id_number(n: int) -> str:
    """A distinct valid ID number per n (GB 11643 check digit)."""
    birth = date(1960, 1, 1) + timedelta(days=(n // 1000) % 15000)
    body = f"310114{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


# --- recording ------------------------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Latencies (ms, from the scheduled start), statuses and transport failures per endpoint label."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    transport: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    retried: Counter[str] = field(default_factory=Counter)
    problem_503: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)  # a few error bodies, to say what went wrong
    timeline: list[tuple[float, float, bool]] = field(default_factory=list)  # (scheduled, latency ms, ok)
    dispatch_lag_ms: list[float] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)  # ops with nothing to act on yet (no request sent)
    started: float = 0.0
    ended: float = 0.0

    @property
    def requests(self) -> int:
        return sum(sum(counter.values()) for counter in self.statuses.values()) + sum(
            sum(counter.values()) for counter in self.transport.values()
        )

    @property
    def errors(self) -> int:
        http = sum(n for counter in self.statuses.values() for status, n in counter.items() if status >= 400)
        return http + sum(sum(counter.values()) for counter in self.transport.values())

    def all_latencies(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]

    def summary(self) -> dict[str, Any]:
        elapsed = max(self.ended - self.started, 1e-9)
        everything = self.all_latencies()
        endpoints = {}
        for label in sorted(set(self.latencies) | set(self.statuses) | set(self.transport)):
            values = self.latencies.get(label, [])
            endpoints[label] = {
                "n": len(values),
                "p50": percentile(values, 0.50),
                "p95": percentile(values, 0.95),
                "p99": percentile(values, 0.99),
                "max": max(values) if values else float("nan"),
                "statuses": dict(sorted(self.statuses[label].items())),
                "transport": dict(self.transport[label]),
                "retried": self.retried[label],
            }
        errors_by_status: Counter[str] = Counter()
        for counter in self.statuses.values():
            for status, n in counter.items():
                if status >= 400:
                    errors_by_status[str(status)] += n
        for counter in self.transport.values():
            for kind, n in counter.items():
                errors_by_status[kind] += n
        return {
            "seconds": elapsed,
            "requests": self.requests,
            "rate": self.requests / elapsed,
            "errors": self.errors,
            "errors_by_status": dict(errors_by_status),
            "refused_503_problem": sum(self.problem_503.values()),
            "retried_requests": sum(self.retried.values()),
            "p50": percentile(everything, 0.50),
            "p95": percentile(everything, 0.95),
            "p99": percentile(everything, 0.99),
            "max": max(everything) if everything else float("nan"),
            "dispatch_lag_p99_ms": percentile(self.dispatch_lag_ms, 0.99),
            "skipped_ops": dict(self.skipped),
            "endpoints": endpoints,
            "error_samples": self.samples[:10],
        }


# --- the people and the state they work on --------------------------------------------------------------------------


@dataclass
class Room:
    id: str
    area: str
    house_code: str
    collector: str


@dataclass
class World:
    """What the workload knows: seeded reference data and the work items in flight (each item is taken by one
    operation at a time, so two requests never race on the same incident or ticket — people don't either)."""

    settings: ServiceSettings
    rooms: list[Room] = field(default_factory=list)
    busy_rooms: set[str] = field(default_factory=set)
    incidents: deque[tuple[str, str, int]] = field(default_factory=deque)  # (id, department, next step)
    incident_ids: list[str] = field(default_factory=list)
    tickets: deque[tuple[str, int, bool]] = field(default_factory=deque)  # (id, next step, escalate?)
    ticket_ids: list[str] = field(default_factory=list)
    institution: dict[str, Any] = field(default_factory=dict)
    staff: dict[str, Any] = field(default_factory=dict)
    facilities: list[tuple[str, str]] = field(default_factory=list)  # (id, town)
    projects: list[str] = field(default_factory=list)
    ledger: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # acknowledged writes
    person_counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    tokens: dict[tuple[Any, ...], dict[str, str]] = field(default_factory=dict)

    def headers(self, *roles: str, sub: str, town: str | None = TOWN, dept: str | None = None) -> dict[str, str]:
        key = (roles, sub, town, dept)
        if key not in self.tokens:
            token = mint_token(
                self.settings, sub=sub, name=sub, roles=list(roles), town=town, dept=dept, ttl_seconds=86400
            )
            self.tokens[key] = {"Authorization": f"Bearer {token}"}
        return self.tokens[key]


class Http:
    """One pooled client per service; records every request's outcome."""

    def __init__(self, bases: dict[str, str], recorder: Recorder, max_connections: int = 200) -> None:
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self.clients = {
            name: httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(30.0, pool=None))
            for name, base in bases.items()
        }
        self.recorder = recorder
        self.scheduled = 0.0

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        label: str,
        *,
        scheduled: float,
        record: bool = True,
        **kwargs: Any,
    ) -> httpx.Response | None:
        client = self.clients[service]
        label = f"{service} {method} {label}"
        deadline = time.monotonic() + CONNECT_RETRY_S
        retried = False
        while True:
            try:
                response = await client.request(method, path, **kwargs)
                break
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Never reached the service: safe to send again, whatever the method.
                if time.monotonic() < deadline:
                    retried = True
                    await asyncio.sleep(0.25)
                    continue
                return self._transport_failure(label, exc, scheduled, record, retried)
            except httpx.TransportError as exc:
                if method == "GET" and time.monotonic() < deadline:
                    retried = True
                    await asyncio.sleep(0.25)
                    continue
                return self._transport_failure(label, exc, scheduled, record, retried)
        if record:
            elapsed_ms = (time.monotonic() - scheduled) * 1000
            self.recorder.latencies[label].append(elapsed_ms)
            self.recorder.statuses[label][response.status_code] += 1
            if retried:
                self.recorder.retried[label] += 1
            failed = response.status_code >= 400
            self.recorder.timeline.append((scheduled, elapsed_ms, not failed))
            if response.status_code == 503 and response.headers.get("content-type", "").startswith(
                "application/problem+json"
            ):
                self.recorder.problem_503[label] += 1
            if failed and len(self.recorder.samples) < 50:
                self.recorder.samples.append(f"{label} -> {response.status_code}: {response.text[:300]}")
        return response

    def _transport_failure(self, label: str, exc: Exception, scheduled: float, record: bool, retried: bool) -> None:
        if record:
            kind = type(exc).__name__
            self.recorder.transport[label][kind] += 1
            self.recorder.timeline.append((scheduled, (time.monotonic() - scheduled) * 1000, False))
            if retried:
                self.recorder.retried[label] += 1
            if len(self.recorder.samples) < 50:
                self.recorder.samples.append(f"{label} -> {kind}: {exc}")
        return None


# --- seeding through the APIs (admin tokens) ------------------------------------------------------------------------


def _ok(response: httpx.Response, *statuses: int) -> Any:
    if response.status_code not in (statuses or (200, 201)):
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    return response.json() if response.content else None


def seed(world: World, bases: dict[str, str]) -> None:
    admin = world.headers("admin", sub="load-admin", town=None)
    now = datetime.now(UTC)
    with httpx.Client(timeout=60, headers=admin) as client:
        # collection: town, committee, areas (each a grid and a police station), collectors, buildings and rooms
        c = bases["collection"] + API_PREFIX
        _ok(client.post(f"{c}/towns", json={"code": TOWN, "name": "安亭镇"}))
        _ok(client.post(f"{c}/committees", json={"code": COMMITTEE, "name": "安亭村", "town": TOWN}))
        house = itertools.count(31140001)
        for a in range(AREAS):
            area = f"jd-anting-a{a:02d}"
            body = {
                "code": area,
                "name": f"第{a + 1}责任区",
                "committee": COMMITTEE,
                "grid": f"AT-01-{a:02d}",
                "police_station": STATIONS[a % len(STATIONS)],
            }
            _ok(client.post(f"{c}/areas", json=body))
            collector = f"collector-{a}"
            _ok(
                client.put(
                    f"{c}/areas/{area}/collectors", json={"collectors": [{"sub": collector, "name": f"协管员{a}"}]}
                )
            )
            for b in range(BUILDINGS_PER_AREA):
                rooms = [
                    {"room_no": f"{101 + r}", "house_code": f"{next(house):08d}"} for r in range(ROOMS_PER_BUILDING)
                ]
                building = {
                    "district": "嘉定区",
                    "town": TOWN,
                    "committee": COMMITTEE,
                    "area": area,
                    "road": "墨玉南路",
                    "lane": f"{100 + a}",
                    "number": str(b + 1),
                    "is_legal": True,
                    "rooms": rooms,
                }
                created = _ok(client.post(f"{c}/buildings", json=building))
                world.rooms += [Room(room["id"], area, room["house_code"], collector) for room in created["rooms"]]

        # grid-dispatch: a sector grid and the areas' unit grids, the town's departments, today's duty roster
        g = bases["grid-dispatch"] + API_PREFIX
        _ok(client.post(f"{g}/grids", json={"code": "AT-01", "name": "安亭片区", "level": "sector_grid", "town": TOWN}))
        for a in range(AREAS):
            code = f"AT-01-{a:02d}"
            body = {"code": code, "name": code, "level": "grid", "town": TOWN, "parent_code": "AT-01"}
            _ok(client.post(f"{g}/grids", json=body))
        departments = [
            (STATIONS[0], "安亭派出所", "police_station"),
            (STATIONS[1], "黄渡派出所", "police_station"),
            ("AT-CG", "安亭城管中队", "enforcement_squad"),
            (MATTER_DEPARTMENT, "安亭市场监管所", "market_regulation_office"),
            ("AT-FG", "安亭房管办", "housing_office"),
        ]
        for code, name, unit_type in departments:
            body = {"code": code, "name": name, "town": TOWN, "unit_type": unit_type, "liaison_name": "联络人"}
            _ok(client.post(f"{g}/departments", json=body))
            if unit_type == "housing_office":
                continue  # DB 31114/Z 010-2025 4.2: only 派出所, 城管中队 and 市场监管所 sink staff into grids
            roster = {
                "department_code": code,
                "officer_sub": f"duty-{code}",
                "officer_name": "参勤人员",
                "grids": [f"AT-01-{a:02d}" for a in range(AREAS)],
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(hours=20)).isoformat(),
            }
            _ok(client.post(f"{g}/duty/assignments", json=roster))

        # assist-desk: an institution, a trained member of staff, the matter
        d = bases["assist-desk"] + API_PREFIX
        world.institution = _ok(
            client.post(
                f"{d}/institutions",
                json={
                    "kind": "institution",
                    "name": "安亭镇政务服务中心",
                    "town": TOWN,
                    "assistance_forms": ["self_service", "accompanied", "fallback", "video"],
                },
            )
        )
        world.staff = _ok(
            client.post(
                f"{d}/institutions/{world.institution['id']}/staff",
                json={"name": "王帮办", "team": "general", "employment": "full_time", "source": "institution"},
            )
        )
        training = {"kind": "pre_job", "topic": "帮办业务与服务规范", "trained_on": "2025-02-20", "hours": 8}
        _ok(client.post(f"{d}/staff/{world.staff['id']}/trainings", json=training))
        _ok(
            client.post(
                f"{d}/matters",
                json={
                    "code": "BIZ-001",
                    "name": "个体工商户设立登记",
                    "department_code": MATTER_DEPARTMENT,
                    "materials": [
                        {"code": "id-card", "name": "经营者身份证明", "legal_form": "原件"},
                        {"code": "application", "name": "设立登记申请书", "legal_form": "经营者签字"},
                    ],
                    "time_limits": {"accompanied": {"amount": 2, "unit": "working_days"}},
                },
            )
        )

        # library-metrics: the district library and a town library per town
        lib = bases["library-metrics"] + API_PREFIX
        district = _ok(
            client.post(
                f"{lib}/facilities",
                json={
                    "tier": "district_library",
                    "name": "嘉定区图书馆",
                    "town": "jd-xincheng",
                    "population_served": 1830000,
                },
            )
        )
        for town in LIBRARY_TOWNS:
            body = {
                "tier": "town_library",
                "name": f"{town} 图书馆",
                "town": town,
                "parent_id": district["id"],
                "population_served": 120000,
                "floor_area_m2": 2400,
                "usable_area_m2": "1800.50",
                "public_service_area_m2": 1700,
            }
            world.facilities.append((_ok(client.post(f"{lib}/facilities", json=body))["id"], town))

        # evaluation: a provider and its project (the scoring model in force ships with the service)
        e = bases["evaluation"] + API_PREFIX
        provider = _ok(
            client.post(
                f"{e}/providers",
                json={
                    "name": "嘉定区阳光助残服务社",
                    "unified_social_credit_code": "91310114MA1GT12348",
                    "contact_name": "王老师",
                    "contact_phone": "13812345678",
                },
            )
        )
        for n in range(3):
            project = {
                "provider_id": provider["id"],
                "name": f"阳光康复助残项目 {n + 1}",
                "service_year": 2025,
                "start_date": "2025-01-01",
                "end_date": "2025-12-31",
                "target_disability_types": ["physical", "intellectual"],
                "budget_planned": "1000000.00",
                "satisfied_planned": 200,
                "staffing_plan": [{"role": "项目管理者", "count": 1}, {"role": "社工", "count": 4}],
                "schedule": [{"task": "需求调研", "start": "2025-01-01", "end": "2025-02-28"}],
                "planned_activities": [
                    {
                        "name": "康复训练",
                        "planned_persons": 300,
                        "planned_frequency": 24,
                        "disability_types": ["physical"],
                    }
                ],
                "quality_targets": ["康复能力提升"],
            }
            world.projects.append(_ok(client.post(f"{e}/projects", json=project))["id"])


# --- operations -----------------------------------------------------------------------------------------------------

Op = Callable[[World, Http, float, random.Random], Awaitable[None]]
VISIT_OUTCOMES = ["collected"] * 45 + ["occupied_absent"] * 20 + ["vacant"] * 10 + ["no_answer"] * 10 + ["refused"] * 15


async def op_visit(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    for _ in range(10):
        room = rng.choice(world.rooms)
        if room.id not in world.busy_rooms:
            break
    else:
        http.recorder.skipped["visit (rooms busy)"] += 1
        return
    world.busy_rooms.add(room.id)
    try:
        body = {"visited_at": datetime.now(UTC).isoformat(), "outcome": rng.choice(VISIT_OUTCOMES)}
        response = await http.call(
            "collection",
            "POST",
            f"{API_PREFIX}/rooms/{room.id}/visits",
            "/rooms/{id}/visits",
            scheduled=scheduled,
            json=body,
            headers=world.headers("collector", sub=room.collector),
        )
        if response is not None and response.status_code == 201:
            world.ledger["visit"].append(response.json()["id"])
    finally:
        world.busy_rooms.discard(room.id)


async def op_registration(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    room = rng.choice(world.rooms)
    body = {
        "house_code": room.house_code,
        "person_category": "non_local",
        "action": "register",
        "name": "张三明",
        "id_number": id_number(next(world.person_counter) + rng.randrange(1000) * 1_000_000),
        "ethnicity": "汉族",
        "household_address": {"province": "安徽省", "city": "阜阳市", "detail": "颍州区文峰街道1号"},
        "education": "高中",
        "residence_type": "租住",
        "residence_reason": "务工",
        "mobile": f"138{rng.randrange(10**8):08d}",
        "photo_collected": True,
        "filled_by": "协管员",
        "filled_on": datetime.now(UTC).date().isoformat(),
    }
    response = await http.call(
        "collection",
        "POST",
        f"{API_PREFIX}/registrations",
        "/registrations",
        scheduled=scheduled,
        json=body,
        headers=world.headers("collector", sub=room.collector),
    )
    if response is not None and response.status_code == 201:
        world.ledger["registration"].append(response.json()["id"])


async def op_work_list(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    collector = f"collector-{rng.randrange(AREAS)}"
    await http.call(
        "collection",
        "GET",
        f"{API_PREFIX}/work-list",
        "/work-list",
        scheduled=scheduled,
        headers=world.headers("collector", sub=collector),
    )


async def op_room_ledger(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    room = rng.choice(world.rooms)
    await http.call(
        "collection",
        "GET",
        f"{API_PREFIX}/rooms/{room.id}/status",
        "/rooms/{id}/status",
        scheduled=scheduled,
        headers=world.headers("collector", sub=room.collector),
    )


INCIDENT_STEPS = [
    ("accept", {}),
    ("start", {"note": "到场处置"}),
    ("resolve", {"note": "已处置"}),
    ("verify", {"passed": True, "note": "核查通过"}),
    ("close", {}),
]


async def op_incident_create(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    body = {
        "category": "street_vending",
        "town": TOWN,
        "grid": f"AT-01-{rng.randrange(AREAS):02d}",
        "title": "占道设摊",
        "description": "菜场门口占道经营",
        "source": rng.choice(["patrol_finding", "hotline"]),
    }
    response = await http.call(
        "grid-dispatch",
        "POST",
        f"{API_PREFIX}/incidents",
        "/incidents",
        scheduled=scheduled,
        json=body,
        headers=world.headers("operations_patrol", sub="patrol-1"),
    )
    if response is not None and response.status_code == 201:
        incident = response.json()
        world.ledger["incident"].append(incident["id"])
        world.incident_ids.append(incident["id"])
        if incident.get("department_code"):
            world.incidents.append((incident["id"], incident["department_code"], 0))


async def op_incident_transition(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    if not world.incidents:
        http.recorder.skipped["incident transition (none open)"] += 1
        return
    incident_id, department, step = world.incidents.popleft()
    action, body = INCIDENT_STEPS[step]
    if action in ("accept", "start", "resolve"):
        headers = world.headers("duty_officer", sub=f"duty-{department}", dept=department)
    else:
        headers = world.headers("dispatcher", sub="dispatcher-1")
    response = await http.call(
        "grid-dispatch",
        "POST",
        f"{API_PREFIX}/incidents/{incident_id}/{action}",
        "/incidents/{id}/{action}",
        scheduled=scheduled,
        json=body,
        headers=headers,
    )
    if response is not None and response.status_code == 200 and step + 1 < len(INCIDENT_STEPS):
        world.incidents.append((incident_id, department, step + 1))


async def op_incident_list(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    params: dict[str, Any] = {"limit": 20}
    if rng.random() < 0.5:
        params["state"] = rng.choice(["dispatched", "accepted", "in_progress", "resolved"])
    await http.call(
        "grid-dispatch",
        "GET",
        f"{API_PREFIX}/incidents",
        "/incidents",
        scheduled=scheduled,
        params=params,
        headers=world.headers("dispatcher", sub="dispatcher-1"),
    )


async def op_incident_detail(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    if not world.incident_ids:
        http.recorder.skipped["incident detail (none yet)"] += 1
        return
    await http.call(
        "grid-dispatch",
        "GET",
        f"{API_PREFIX}/incidents/{rng.choice(world.incident_ids)}",
        "/incidents/{id}",
        scheduled=scheduled,
        headers=world.headers("dispatcher", sub="dispatcher-1"),
    )


def _assistant(world: World) -> dict[str, str]:
    return world.headers("assistant", sub="assistant-1")


async def op_ticket_create(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    body = {
        "institution_id": world.institution["id"],
        "channel": rng.choice(["in_hall", "hotline_12345", "online_text"]),
        "form": "accompanied",
        "target": {"kind": "natural_person", "name": "张三明", "mobile": f"139{rng.randrange(10**8):08d}"},
        "matter_code": "BIZ-001",
        "summary": "办理个体工商户设立登记",
        "staff_id": world.staff["id"],
    }
    response = await http.call(
        "assist-desk",
        "POST",
        f"{API_PREFIX}/tickets",
        "/tickets",
        scheduled=scheduled,
        json=body,
        headers=_assistant(world),
    )
    if response is not None and response.status_code == 201:
        ticket = response.json()
        world.ledger["ticket"].append(ticket["id"])
        world.ticket_ids.append(ticket["id"])
        world.tickets.append((ticket["id"], 0, rng.random() < 0.3))


async def op_ticket_action(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    if not world.tickets:
        http.recorder.skipped["ticket action (none open)"] += 1
        return
    ticket_id, step, escalate = world.tickets.popleft()
    if step == 0:
        action, body = "start", {}
    elif escalate:
        action = "escalate"
        body = {"type": "coordination", "reason": "材料已交，部门系统退回", "department": MATTER_DEPARTMENT}
    else:
        action, body = "complete", {}
    response = await http.call(
        "assist-desk",
        "POST",
        f"{API_PREFIX}/tickets/{ticket_id}/{action}",
        "/tickets/{id}/{action}",
        scheduled=scheduled,
        json=body,
        headers=_assistant(world),
    )
    if response is not None and response.status_code == 200:
        if step == 0:
            world.tickets.append((ticket_id, 1, escalate))
        elif escalate:
            world.ledger["escalation"].append(ticket_id)


async def op_ticket_list(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    await http.call(
        "assist-desk",
        "GET",
        f"{API_PREFIX}/tickets",
        "/tickets",
        scheduled=scheduled,
        params={"institution_id": world.institution["id"], "limit": 20},
        headers=_assistant(world),
    )


async def op_ticket_detail(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    if not world.ticket_ids:
        http.recorder.skipped["ticket detail (none yet)"] += 1
        return
    await http.call(
        "assist-desk",
        "GET",
        f"{API_PREFIX}/tickets/{rng.choice(world.ticket_ids)}",
        "/tickets/{id}",
        scheduled=scheduled,
        headers=_assistant(world),
    )


def _library_record(rng: random.Random) -> tuple[str, dict[str, Any]]:
    day = date(2026, 1, 1) + timedelta(days=rng.randrange(300))
    at = f"{day.isoformat()}T{rng.randrange(9, 17):02d}:{rng.randrange(60):02d}:00+08:00"
    kind = rng.randrange(3)
    if kind == 0:
        body = {"kind": "reading_promotion", "held_on": day.isoformat(), "title": "读书会", "attendance": 40}
        return "events", body
    if kind == 1:
        return "shelf-checks", {"checked_at": at, "items_checked": 500, "misplaced": rng.randrange(10)}
    return "reference-questions", {"channel": "email", "asked_at": at}


async def op_library_record(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    facility, town = rng.choice(world.facilities)
    path, body = _library_record(rng)
    response = await http.call(
        "library-metrics",
        "POST",
        f"{API_PREFIX}/facilities/{facility}/{path}",
        "/facilities/{id}/<records>",
        scheduled=scheduled,
        json=body,
        headers=world.headers("facility_staff", sub=f"librarian-{town}", town=town),
    )
    if response is not None and response.status_code == 201:
        world.ledger[f"library:{path}"].append(response.json()["id"])


async def op_library_compliance(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    facility, town = rng.choice(world.facilities)
    await http.call(
        "library-metrics",
        "GET",
        f"{API_PREFIX}/facilities/{facility}/compliance",
        "/facilities/{id}/compliance",
        scheduled=scheduled,
        params={"year": 2026},
        headers=world.headers("facility_staff", sub=f"librarian-{town}", town=town),
    )


async def op_library_list(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    await http.call(
        "library-metrics",
        "GET",
        f"{API_PREFIX}/facilities",
        "/facilities",
        scheduled=scheduled,
        headers=world.headers("culture_bureau", sub="bureau-1", town=None),
    )


PREVIEW = {
    "measures": {
        "budget_actual": 950000,
        "budget_planned": 1000000,
        "persons_done": 480,
        "persons_planned": 500,
        "frequencies_done": 40,
        "frequencies_planned": 40,
        "satisfied": 190,
        "satisfied_planned": 200,
        "budget_adjustment_ratio": 0.04,
    },
    "scores": {"funds.budget_execution": 4.5, "effectiveness.output": 9, "effectiveness.effect": 8.5},
    "vetoes": {
        "safety_accident": False,
        "spending_progress_mismatch": False,
        "unapproved_budget_adjustment": False,
        "misappropriation": False,
    },
}


async def op_scoring_model(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    await http.call(
        "evaluation",
        "GET",
        f"{API_PREFIX}/scoring-models/current",
        "/scoring-models/current",
        scheduled=scheduled,
        headers=world.headers("assessor", sub="expert-a", town=None),
    )


async def op_scoring_preview(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    await http.call(
        "evaluation",
        "POST",
        f"{API_PREFIX}/scoring/preview",
        "/scoring/preview",
        scheduled=scheduled,
        json=PREVIEW,
        headers=world.headers("assessor", sub="expert-a", town=None),
    )


async def op_projects(world: World, http: Http, scheduled: float, rng: random.Random) -> None:
    if rng.random() < 0.5:
        path, label = f"{API_PREFIX}/projects", "/projects"
    else:
        path, label = f"{API_PREFIX}/projects/{rng.choice(world.projects)}", "/projects/{id}"
    await http.call(
        "evaluation",
        "GET",
        path,
        label,
        scheduled=scheduled,
        headers=world.headers("federation_admin", sub="federation-1", town=None),
    )


# Share of requests per operation (per 100): collection 35, grid-dispatch 25, assist-desk 20, library 12, evaluation 8;
# half of them writes.
MIX: list[tuple[Op, int]] = [
    (op_visit, 14),
    (op_registration, 5),
    (op_work_list, 10),
    (op_room_ledger, 6),
    (op_incident_create, 6),
    (op_incident_transition, 8),
    (op_incident_list, 8),
    (op_incident_detail, 3),
    (op_ticket_create, 7),
    (op_ticket_action, 5),
    (op_ticket_list, 6),
    (op_ticket_detail, 2),
    (op_library_record, 5),
    (op_library_compliance, 4),
    (op_library_list, 3),
    (op_scoring_model, 3),
    (op_scoring_preview, 3),
    (op_projects, 2),
]


async def drive(
    world: World,
    http: Http,
    rate: float,
    seconds: float,
    *,
    seed_value: int = 1,
    max_in_flight: int = 5000,
    on_tick: Callable[[float], Awaitable[None]] | None = None,
) -> None:
    """Open loop: Poisson arrivals at `rate` per second for `seconds`; waits for the stragglers at the end."""
    rng = random.Random(seed_value)
    ops = [op for op, _ in MIX]
    weights = [weight for _, weight in MIX]
    recorder = http.recorder
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()
    start = time.monotonic()
    recorder.started = start
    scheduled = start
    end = start + seconds
    next_tick = start + 1
    while scheduled < end:
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.monotonic()
        recorder.dispatch_lag_ms.append((now - scheduled) * 1000)
        if on_tick is not None and now >= next_tick:
            next_tick = now + 1
            await on_tick(now - start)
        if len(tasks) >= max_in_flight:
            recorder.skipped["generator overloaded (in flight cap)"] += 1
        else:
            op = rng.choices(ops, weights)[0]
            task = loop.create_task(op(world, http, scheduled, rng))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        scheduled += rng.expovariate(rate)
    if tasks:
        await asyncio.wait(tasks, timeout=120)
    recorder.ended = time.monotonic()
