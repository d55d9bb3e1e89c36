from pathlib import Path

from qa.chunking import CHUNK_MAX_CHARS, chunk_document, chunk_documents, split_sentences
from qa.documents import load_documents, parse_document

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_every_chunk_and_sentence_is_the_slice_it_claims():
    docs = load_documents(SEEDS)
    chunks, sentences = chunk_documents(docs)
    by_id = {d.doc_id: d for d in docs}
    assert chunks and sentences
    for c in chunks:
        assert by_id[c.doc_id].text[c.start:c.end] == c.text
        assert c.title == by_id[c.doc_id].title
        for sid in c.sentence_ids:
            s = sentences[sid]
            assert c.start <= s.start < s.end <= c.end
    for s in sentences:
        assert by_id[s.doc_id].text[s.start:s.end] == s.text


def test_chunk_sizes_and_one_sentence_overlap():
    chunks, _ = chunk_documents(load_documents(SEEDS))
    assert all(len(c.text) <= CHUNK_MAX_CHARS * 1.3 for c in chunks)
    long_enough = [c for c in chunks if len(c.text) >= 150]
    assert len(long_enough) >= 0.8 * len(chunks)
    same_doc = [(a, b) for a, b in zip(chunks, chunks[1:]) if a.doc_id == b.doc_id]
    overlapping = [1 for a, b in same_doc if a.sentence_ids[-1] == b.sentence_ids[0]]
    assert len(overlapping) >= 0.8 * len(same_doc)


def test_sentences_split_on_ends_and_closing_quotes_not_numbers():
    doc = parse_document("t.txt", "累计接待游客3.7万余人次。“思路对了。”他说！下一句；再一句？The end. Fine".encode())
    texts = [s.text for s in split_sentences(doc)]
    assert texts == ["累计接待游客3.7万余人次。", "“思路对了。”", "他说！", "下一句；", "再一句？",
                     "The end.", "Fine"]


def test_overlong_sentence_is_cut_at_commas_within_the_limit():
    body = "，".join(["这是一个相当长的分句内容用于测试"] * 60) + "。"
    chunks, sentences = chunk_document(parse_document("long.txt", body.encode()))
    assert all(len(s.text) <= CHUNK_MAX_CHARS for s in sentences)
    assert "".join(s.text for s in sentences) == body


def test_no_split_inside_a_bracketed_aside():
    doc = parse_document("t.txt", "探索出三立三合(即立足资源；立足建设)工作法。下一句。".encode())
    assert [s.text for s in split_sentences(doc)] == ["探索出三立三合(即立足资源；立足建设)工作法。", "下一句。"]


def test_a_photo_credit_closing_a_caption_is_a_byline():
    doc = parse_document("t.txt", "展览在县博物馆开幕。\n展品有三百余件，将持续至6月1日。 融媒记者 王海 摄\n下一段正文。\n".encode())
    kinds = {s.text.strip(): s.kind for s in split_sentences(doc)}
    assert kinds["融媒记者 王海 摄"] == "byline"
    assert kinds["展品有三百余件，将持续至6月1日。"] == "body"
