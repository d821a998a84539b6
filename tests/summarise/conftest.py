"""Short articles written for these tests, and a service over them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.service import NewsService, build_service

ARTICLES = {
    "orchard-cider.md": """---
title: "Valley orchard opens a cider press"
published: 2026-03-01
---

The Marlow Valley orchard opened a cider press on Saturday, the first in the valley for forty years.

The press can turn two tonnes of apples into cider each day. Owner Ruth Adeyemi said the orchard had \
saved for six years to buy it. "We wanted the apples to stay in the valley," she said.

Visitors queued for an hour to taste the first cider. The orchard will sell it at the Saturday market from April.

The cider press was built in Normandy and shipped by barge. It needed a crane to lift it into the barn.
""",
    "orchard-frost.md": """---
title: "Valley orchard loses blossom to late frost"
published: 2026-04-10
---

A late frost destroyed most of the blossom at the Marlow Valley orchard on Tuesday night.

Owner Ruth Adeyemi said the apple harvest could fall by half this year. The cider press will run for only two months.

Frost fans were switched on at midnight but the temperature kept falling until dawn.
""",
    "ferry-strike.md": """---
title: "Ferry crews strike over rotas"
published: 2026-05-20
---

Ferry crews on the northern crossing walked out on Monday in a dispute over rotas.

The union said crews had worked seventy-hour weeks since January. The operator said talks would resume on Thursday.

Commuters crowded onto the bridge buses instead. Some waited two hours for a seat.

The strike is the first on the crossing since 2019.
""",
}


@pytest.fixture(scope="module")
def summary_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("summary-corpus")
    for name, text in ARTICLES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def summary_service(summary_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> NewsService:
    return build_service(summary_corpus, tmp_path_factory.mktemp("summary-index"))
