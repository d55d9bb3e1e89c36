"""The evaluation sets stay usable: every gold answer is copied from the article it names."""

import json
import re
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


def _articles(jsonl: Path) -> Path:
    """dev/heldout ask the seeds; fresh2_en.jsonl asks data/fresh2/."""
    folder = jsonl.stem.removesuffix("_en")
    return DATA / folder if (DATA / folder).is_dir() else ROOT / "seeds"


@pytest.mark.parametrize("jsonl", sorted(DATA.glob("*.jsonl")), ids=lambda p: p.name)
def test_every_gold_answer_is_in_its_article(jsonl):
    folder = _articles(jsonl)
    for line in jsonl.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        assert item["question"].strip()
        if not item["answers"]:
            continue
        # OCR leaves stray spaces inside words and numbers (明年6|月3 0日): compare without any
        text = re.sub(r"\s+", "", (folder / item["doc_id"]).read_text(encoding="utf-8"))
        for answer in item["answers"]:
            assert re.sub(r"\s+", "", answer) in text, (item["id"], answer)
