"""Follow-up questions made self-contained, and the per-session memory of recent turns."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from qa.conversation import SessionStore, resolve_followup, validate_session_id

PREV = "象珠镇有多少家企业？"
PREV_EN = "How many companies are in Xiangzhu town?"


@pytest.mark.parametrize("previous, question, expected", [
    # the thing counted changes; 家 does not fit 党员, so it goes
    (PREV, "党员呢？", "象珠镇有多少党员？"),
    (PREV, "黨員呢？", "象珠镇有多少党员？"),  # traditional
    (PREV, "那人口呢？", "象珠镇有多少人口？"),
    (PREV, "规上企业呢？", "象珠镇有多少家规上企业？"),  # 家 still fits
    (PREV, "学校呢？", "象珠镇有多少学校？"),  # a bare 学校 is a noun, not a name
    ("象珠镇有几家企业？", "党员呢？", "象珠镇有多少党员？"),  # 几 needs a measure word
    ("象珠镇有几家企业？", "银行呢？", "象珠镇有几家银行？"),
    ("象珠镇的企业有多少家？", "党员呢？", "象珠镇的党员有多少？"),  # counted noun before 多少
    ("象珠镇有多少人？", "党员呢？", "象珠镇有多少党员？"),  # the unit was the counted thing
    ("两新党组织有多少个？", "企业呢？", "企业有多少个？"),
    ("签约那天象珠镇来了多少位两新党组织书记？", "企业家呢？", "签约那天象珠镇来了多少位企业家？"),
    # a place / organisation replaces the previous one of the same kind
    (PREV, "那花街镇呢？", "花街镇有多少家企业？"),
    (PREV, "花街镇呢", "花街镇有多少家企业？"),
    (PREV, "花街镇的呢？", "花街镇有多少家企业？"),
    (PREV, "那花街镇的情况呢？", "花街镇有多少家企业？"),
    ("象珠鎮有多少家企業？", "花街鎮呢？", "花街镇有多少家企业？"),
    (PREV, "那永康市呢？", "永康市有多少家企业？"),
    ("金华市有多少人口？", "杭州呢？", "杭州有多少人口？"),
    ("象珠镇党委书记是谁？", "花街镇呢？", "花街镇党委书记是谁？"),
    ("象珠镇党委的书记是谁？", "花街镇党委呢？", "花街镇党委的书记是谁？"),
    ("永康市象珠镇有多少家企业？", "花街镇呢？", "永康市花街镇有多少家企业？"),
    ("花街镇有几家集团公司？", "象珠镇呢？", "象珠镇有几家集团公司？"),  # not the counted 集团公司
    ("道明光学股份有限公司在哪个镇？", "飞剑集团呢？", "飞剑集团在哪个镇？"),
    ("两新党组织有多少个？", "花街镇呢？", "花街镇两新党组织有多少个？"),  # no place to replace
    # a name replaces the subject
    ("施海鸥是哪个单位的？", "那姚小波呢？", "姚小波是哪个单位的？"),
    ("吴康英是哪个村的党支部书记？", "施海鸥呢？", "施海鸥是哪个村的党支部书记？"),
    ("副局长胡乾喜负责什么工作？", "姚小波呢？", "副局长姚小波负责什么工作？"),
    # time
    ("象珠镇2023年有多少家企业？", "去年呢？", "象珠镇去年有多少家企业？"),
    (PREV, "2022年呢？", "2022年象珠镇有多少家企业？"),
    # pronouns in a question of its own
    ("施海鸥是哪个单位的？", "他的职务是什么？", "施海鸥的职务是什么？"),
    (PREV, "那里有多少党员？", "象珠镇有多少党员？"),
    (PREV, "该镇有多少党员？", "象珠镇有多少党员？"),
    ("飞剑集团在哪个镇？", "这家公司有多少员工？", "飞剑集团有多少员工？"),
    # no content: the same question again
    (PREV, "还有呢", PREV),
    (PREV, "然后呢？", PREV),
    (PREV, "还有别的吗？", PREV),
    (PREV_EN, "What else?", PREV_EN),
    # English
    (PREV_EN, "And Huajie town?", "How many companies are in Huajie town?"),
    (PREV_EN, "What about Huajie?", "How many companies are in Huajie town?"),
    (PREV_EN, "Huajie town?", "How many companies are in Huajie town?"),
    (PREV_EN, "And Party members?", "How many Party members are in Xiangzhu town?"),
    (PREV_EN, "Banks?", "How many banks are in Xiangzhu town?"),
    ("How many Party members does Xiangzhu town have?", "What about Huajie?",
     "How many Party members does Huajie town have?"),
    ("How many Party members does Xiangzhu town have?", "And companies?",
     "How many companies does Xiangzhu town have?"),
    ("Which unit is Shi Haiou from?", "And Yao Xiaobo?", "Which unit is Yao Xiaobo from?"),
    ("Who is the Party secretary of Xiangzhu town?", "And the mayor?",
     "Who is the mayor of Xiangzhu town?"),
    ("How many companies were there in 2022?", "And in 2023?", "How many companies were there in 2023?"),
])
def test_followups_are_resolved(previous, question, expected):
    assert resolve_followup(previous, question) == expected


@pytest.mark.parametrize("previous, question", [
    (PREV, "花街镇有多少家企业？"),  # a full question of its own
    (PREV, "那花街镇有多少党员呢？"),
    (PREV, "吴康英担任什么职务？"),
    (PREV, "象珠镇有多少家企业"),
    (PREV, "我想知道花街镇的情况"),  # a sentence, not a noun phrase
    (PREV, "花街镇也有吗？"),
    (PREV, "象珠镇两新党组织和规上企业的党员一共有多少人呢？"),
    (PREV, "谢谢"),  # small talk is not a follow-up
    (PREV, "好的！"),
    (PREV_EN, "Thanks!"),
    (PREV_EN, "How many companies are in Huajie town?"),
    (PREV_EN, "Who is the Party secretary of Huajie town?"),
    (PREV_EN, "花街镇呢？"),  # one language cannot edit a question in the other
    (PREV, "And Huajie?"),
    ("道明光学股份有限公司在哪个镇？", "那花街镇呢？"),  # the place is what was asked
    ("永康市有多少家企业？", "该镇有多少党员？"),  # no 镇 was named
    (PREV, "日本公司有多少家？"),
    (PREV, "花街镇纳入管理的那个支部在哪里？"),  # 的那个支部: defined here, not before
    ("", "党员呢？"),  # nothing before
    (None, "党员呢？"),
])
def test_non_followups_are_unchanged(previous, question):
    assert resolve_followup(previous, question) == question


def test_full_questions_of_the_dev_set_are_never_rewritten():
    lines = (Path(__file__).parent / "data" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    for previous, question in zip(questions, questions[1:]):
        assert resolve_followup(previous, question) == question


def test_chained_followups_build_on_the_resolved_question():
    first = resolve_followup(PREV, "花街镇呢？")
    assert resolve_followup(first, "党员呢？") == "花街镇有多少党员？"


@pytest.mark.parametrize("junk", ["", " ", "？", "呢", "的呢", "那", "和", "12", "a", "?!", "那个呢",
                                  "镇", "公司呢", "他", "该镇", "   花街镇   ", "x" * 600])
def test_odd_input_does_not_crash(junk):
    for previous in (PREV, PREV_EN, "施海鸥是哪个单位的？"):
        assert isinstance(resolve_followup(previous, junk), str)
        assert isinstance(resolve_followup(junk, previous), str)


# ─────────────────────────────── SessionStore ───────────────────────────────

class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_remembers_the_last_resolved_question():
    store = SessionStore()
    assert store.previous("chat-1") is None
    store.remember("chat-1", "象珠镇有多少家企业？", PREV, "1000余家")
    store.remember("chat-1", "花街镇呢？", "花街镇有多少家企业？", None)
    assert store.previous("chat-1") == "花街镇有多少家企业？"
    assert store.previous("chat-2") is None
    assert [t.answer for t in store.history("chat-1")] == ["1000余家", None]
    assert len(store) == 1


def test_sessions_expire_after_ttl():
    clock = FakeClock()
    store = SessionStore(ttl_seconds=60, clock=clock)
    store.remember("a", "q", "q1", "x")
    clock.now += 59
    assert store.previous("a") == "q1"
    store.remember("b", "q", "q2", "x")
    clock.now += 1  # a: 60 s after its last turn
    assert store.previous("a") is None
    assert store.history("a") == []
    assert store.previous("b") == "q2"
    clock.now += 100
    assert store.purge_expired() == 1  # b; a was already dropped on access
    assert len(store) == 0


def test_a_new_turn_renews_the_session():
    clock = FakeClock()
    store = SessionStore(ttl_seconds=60, clock=clock)
    store.remember("a", "q", "q1", None)
    clock.now += 50
    store.remember("a", "q", "q2", None)
    clock.now += 50
    assert store.previous("a") == "q2"


def test_len_does_not_count_expired_sessions():
    clock = FakeClock()
    store = SessionStore(ttl_seconds=10, clock=clock)
    for i in range(5):
        store.remember(f"s{i}", "q", "q", None)
    clock.now += 10
    store.remember("fresh", "q", "q", None)
    assert len(store) == 1


def test_least_recently_used_session_is_evicted():
    store = SessionStore(max_sessions=3)
    for sid in ("a", "b", "c"):
        store.remember(sid, "q", f"q-{sid}", None)
    assert store.previous("a") == "q-a"  # a is now the most recently used
    store.remember("d", "q", "q-d", None)
    assert len(store) == 3
    assert store.previous("b") is None
    assert {sid: store.previous(sid) for sid in ("a", "c", "d")} == {"a": "q-a", "c": "q-c", "d": "q-d"}


def test_turns_per_session_are_bounded():
    store = SessionStore(max_turns=3)
    for i in range(10):
        store.remember("a", f"q{i}", f"r{i}", f"a{i}")
    assert [t.resolved for t in store.history("a")] == ["r7", "r8", "r9"]
    assert store.previous("a") == "r9"


def test_stored_text_is_bounded():
    store = SessionStore()
    store.remember("a", "q" * 100_000, "r" * 100_000, "x" * 100_000)
    turn = store.history("a")[0]
    assert max(len(turn.question), len(turn.resolved), len(turn.answer)) <= 2000


def test_concurrent_sessions_are_safe():
    store = SessionStore(max_sessions=50, max_turns=4)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(300):
                sid = f"w{worker}-{i % 20}"
                store.remember(sid, "q", f"{worker}:{i}", None)
                assert store.previous(sid) is None or store.previous(sid).startswith(f"{worker}:")
                if i % 50 == 0:
                    store.purge_expired()
                    len(store)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(store) == 50
    every_id = [f"w{w}-{k}" for w in range(16) for k in range(20)]
    assert all(len(store.history(sid)) <= 4 for sid in every_id)


def test_one_session_written_by_many_threads_keeps_max_turns():
    store = SessionStore(max_turns=5)
    threads = [threading.Thread(target=lambda n=n: [store.remember("same", "q", f"{n}-{i}", None)
                                                   for i in range(200)]) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.history("same")) == 5
    assert len(store) == 1


@pytest.mark.parametrize("bad", ["", "a" * 129, "has space", "中文", "a/b", "a\nb", None, 42])
def test_invalid_session_ids_are_rejected(bad):
    store = SessionStore()
    with pytest.raises(ValueError):
        store.remember(bad, "q", "q", None)
    with pytest.raises(ValueError):
        store.previous(bad)
    with pytest.raises(ValueError):
        validate_session_id(bad)


@pytest.mark.parametrize("good", ["a", "a" * 128, "123456789", "-100123:thread_7.x", "UUID-4f1c"])
def test_valid_session_ids(good):
    store = SessionStore()
    store.remember(good, "q", "q", None)
    assert store.previous(good) == "q"


@pytest.mark.parametrize("kwargs", [{"max_sessions": 0}, {"max_turns": 0}, {"ttl_seconds": 0}])
def test_bad_limits_are_rejected(kwargs):
    with pytest.raises(ValueError):
        SessionStore(**kwargs)
