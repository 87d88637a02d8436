"""Constants, the report and the error of a load-data run."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_YEARS = (2024, 2025, 2026)
POSTGRES_BATCH = 20_000
OTHER_BATCH = 1_000
MAX_PATH = 6
HOUR_RANGE = range(24)
UUID4_MASK = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
UUID4_BITS = (0x4000 << 64) | (0x8000 << 48)
NULL = "\\N"
TOWN_CENTRE = (46.057, -71.958)  # Victoriaville, used only when the registry is empty


class LoadDataError(Exception):
    """The database is not ready for a load (no catalogue, a year in the future, …)."""


@dataclass(frozen=True)
class LoadReport:
    requests: int
    events: int
    citizens: int
    zone_links: int
    seconds: float
    workers: int
    seed: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        per_request = self.events / self.requests if self.requests else 0.0
        return [
            f"Requêtes : {_n(self.requests)}  événements : {_n(self.events)} "
            f"({per_request:.2f} par requête)  citoyens : {_n(self.citizens)}  "
            f"liens de zones : {_n(self.zone_links)}",
            f"Durée : {self.seconds:.1f} s  —  {_n(self.requests_per_second)} requêtes/s, "
            f"{_n(self.events_per_second)} événements/s  "
            f"(processus de génération : {self.workers}, graine : {self.seed})",
        ]


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")
