"""Load article files and clean their OCR text into blocks with stable offsets.

The seed articles are OCR'd newspaper pages: a column layout breaks lines (and even
words) anywhere, blank lines appear mid-sentence, and headlines, bylines, captions and
ads are interleaved with the body. Cleaning re-joins broken lines into paragraphs and
labels every line-block, without dropping any content: the cleaned text is the blocks
joined by newlines, and every later offset (chunks, sentences, answers) points into it.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import QAError
from qa.text import word_spans_boundary

DOC_SUFFIXES = (".txt", ".md")

# A sentence (or clause list) is finished when a line ends with one of these,
# optionally followed by closing quotes/brackets.
_SENTENCE_END = re.compile(r"(?:[。！？!?…⋯；;]|(?<=[A-Za-z])\.)[”’」』）)\]】\"']*$")
_CLAUSE_PUNCT = re.compile(r"[，,；;。！？!?：:、]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD_END = re.compile(r"[A-Za-z0-9]$")
_LATIN_WORD_START = re.compile(r"^[A-Za-z0-9]")
# 记者/通讯员 followed by a 2–4 character name, with the paper's usual box markers.
_BYLINE = re.compile(
    r"^[□■◇◆●○]?\s*(?:融媒)?(?:首席)?(?:见习)?(?:记者|通讯员|实习生|摄影|编辑)"
    r"[\s:：]*[\u4e00-\u9fff]{2,4}(?:\s+[\u4e00-\u9fff]{2,4})*(?:\s*(?:文/摄|文|摄|报道))?$"
)
_DOT_LEADER = re.compile(r"[.．·…⋯]{5,}")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
# Two lower-case Latin words in a row: running prose, not a headline. Not written
# [a-z]{2,}\s+[a-z]{2,} (same matches): that backtracks quadratically on a long run of
# letters, e.g. a pasted base64 line (40,000 letters took 25 s).
_LATIN_PROSE = re.compile(r"[a-z]{2}\s+[a-z]{2}")

# A space OCR left inside a number (明年6月3 0日, 1 200名): never one in Chinese text
_SPACE_IN_NUMBER = re.compile(r"(?<=\d)[ \u3000](?=\d{1,3}(?:[\u4e00-\u9fff%％]|$))")

_SPACE_IN_CJK = re.compile(r"(?<=[\u4e00-\u9fff])[ \u3000](?=[\u4e00-\u9fff])")


def _close_broken_words(line: str) -> str:
    """Drop an OCR space inside a word (累 计配送, 培 训), kept between words (记者 温晓岚 摄)."""
    line = _SPACE_IN_NUMBER.sub("", line)
    for m in reversed(list(_SPACE_IN_CJK.finditer(line))):
        if word_spans_boundary(line[:m.start()], line[m.end():]):
            line = line[:m.start()] + line[m.end():]
    return line


HEADING_MAX_CHARS = 40
TITLE_MIN_CHARS = 6


@dataclass(frozen=True)
class Block:
    """A run of the cleaned text: a paragraph, a headline, a byline or page noise (ads)."""

    kind: str  # "body" | "heading" | "byline" | "noise"
    start: int
    end: int


@dataclass
class Document:
    doc_id: str
    title: str
    text: str
    blocks: list[Block] = field(default_factory=list)
    content_hash: str = ""
    date: str | None = None  # from the document's metadata, when it has any
    url: str | None = None  # where it was published


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_byline(text: str) -> bool:
    """记者 吕鹏, □融媒首席记者 张赤奎, 融媒记者 杨成栋 摄."""
    return len(text) <= 30 and bool(_BYLINE.match(text))


def _line_kind(line: str) -> str:
    """Classify one stripped line on its own (context decides joins later)."""
    if _MARKDOWN_HEADING.match(line):
        return "heading"
    if _DOT_LEADER.search(line) or (not _CJK.search(line) and re.search(r"[A-Za-z]", line)
                                    and len(line) <= HEADING_MAX_CHARS and line.upper() == line):
        return "noise"  # dot leaders of ad boxes, upper-case Latin brand lines
    if is_byline(line):
        return "byline"
    prose = not _CJK.search(line) and _LATIN_PROSE.search(line)
    if (len(line) <= HEADING_MAX_CHARS and not _CLAUSE_PUNCT.search(line)
            and not _SENTENCE_END.search(line) and not prose):
        return "heading"
    return "body"


def _joiner(left: str, right: str) -> str:
    """Lines re-join without a space, except between two Latin words (a column breaks a
    number anywhere: 打破了201|2年创下的纪录 is 2012年)."""
    if left[-1:].isdigit() and right[:1].isdigit():
        return ""
    if _LATIN_WORD_END.search(left) and _LATIN_WORD_START.search(right):
        return " "
    return ""


_CLOSERS = "”’」』）)】》，,、。；;：:！!？?"
# A sentence cannot stop on these (禾丰蔬菜产业园由|岚州绿源农业发展有限公司|和…共同建设): a line ending
# on one runs on, whatever the next line looks like; on the others only into a body line.
_CANNOT_END_CHARS = "的为以在和与对将把及从向于由被让给"
_CANNOT_END = re.compile(f"[{_CANNOT_END_CHARS}]$")
_FUNCTION_CHAR_END = re.compile(f"[{_CANNOT_END_CHARS}了是也都就还又才]$")
_OPENS_WITH_CLAUSE_PUNCT = re.compile(r"^[，,、。；;：:！!？?）)]")  # …一帆风顺|。前两年…
_DECIMAL_POINT_END = re.compile(r"\d\.$")
_NUMBER_GOES_ON = re.compile(r"^[\d年月日号时点分万亿元%％个名人次岁]")  # 预计明年6|月30日
# A photo credit ("融媒记者 杨成栋 摄") ends a caption just as a full stop would.
_CREDIT_END = re.compile(r"(?:记者|通讯员|摄影)\s*[\u4e00-\u9fff]{2,4}\s*(?:文/摄|摄|报道)$")


def _is_closed(text: str) -> bool:
    return bool(_SENTENCE_END.search(text) or _CREDIT_END.search(text))


def _breaks_a_word(line: str, next_line: str) -> bool:
    """A heading-like column line is really a paragraph's first line when its last word
    runs on into the next line ("党支部书" + "记吴康英") or it ends on a function word."""
    return bool(word_spans_boundary(line, next_line) or _FUNCTION_CHAR_END.search(line))


def _runs_on(line: str, next_line: str) -> bool:
    """Nor is a line a heading, whatever the next line is, when it ends on a word a sentence
    cannot stop on, or when that line opens with the
    punctuation that ends its clause, with 的 (为防止事故状态下|的污水进入榕) or with the rest of a
    number it ends on (预计明年6|月30日, 全长46.|5公里), or when it opens a bracket it never closes
    (本报讯（记者 戴雨桐 通讯员|韩立新）)."""
    return bool(_CANNOT_END.search(line) or _OPENS_WITH_CLAUSE_PUNCT.search(next_line)
                or next_line.startswith("的") or (line[-1].isdigit() and _NUMBER_GOES_ON.search(next_line))
                or (_DECIMAL_POINT_END.search(line) and next_line[:1].isdigit())
                or line.count("（") + line.count("(") > line.count("）") + line.count(")"))


def _classified_lines(raw_text: str) -> list[tuple[str, str, bool]]:
    """(kind, stripped line, indented) for every non-blank line."""
    lines = []
    for raw_line in raw_text.splitlines():
        line = _close_broken_words(unicodedata.normalize("NFC", raw_line).strip())
        if line:  # blank lines are column artefacts, not paragraph breaks
            lines.append((_line_kind(line), line, raw_line[:1].isspace()))
    if lines and lines[0][0] == "body" and len(lines[0][1]) <= 60 and not _is_closed(lines[0][1]):
        lines[0] = ("heading", lines[0][1], lines[0][2])  # a page's first short line: its headline
    width = statistics.median([len(line) for kind, line, _ in lines if kind == "body"] or [0])
    for i in range(len(lines) - 1):
        kind, line, indented = lines[i]
        next_kind, next_line, next_indented = lines[i + 1]
        if kind != "heading" or next_indented or _MARKDOWN_HEADING.match(line):
            continue
        if _runs_on(line, next_line) or (next_kind == "body" and (
                _breaks_a_word(line, next_line) or (i > 0 and _fills_the_column(line, width)))):
            lines[i] = ("body", line, indented)
    return lines


COLUMN_FILL = 0.8  # OCR'd column lines vary by a few characters (本届大赛于8月9日至12日|在天津…)


def _fills_the_column(line: str, width: float) -> bool:
    """A line about as long as the column's body lines, with no space between parts of a title,
    is the first line of a paragraph (这是我县首个面向65周岁以上老年人的综合|评估门诊，由…),
    not a section heading: those are shorter or two-part (三方组团 创新党建合作新模式)."""
    return " " not in line and len(line) >= COLUMN_FILL * width


def _segment(raw_text: str) -> list[tuple[str, str]]:
    """Group raw lines into (kind, text) blocks.

    A line continues the previous body block while that block's sentence is still open
    (it does not end in 。！？… or a photo credit). A line that starts with indentation
    opens a new block: in this OCR output an indented line starts a new text box.
    """
    blocks: list[tuple[str, str]] = []
    open_sentence = False
    for kind, line, indented in _classified_lines(raw_text):
        # a line opening with closing punctuation (”直播从…) ends the quote the last line left open
        continues = open_sentence or (bool(blocks) and blocks[-1][0] == "body" and line[0] in _CLOSERS)
        if continues and not indented and kind in ("body", "heading"):
            prev_text = blocks[-1][1]
            blocks[-1] = ("body", prev_text + _joiner(prev_text, line) + line)
        else:
            blocks.append((kind, line))
        open_sentence = blocks[-1][0] == "body" and not _is_closed(blocks[-1][1])
    return blocks


def _choose_title(blocks: list[tuple[str, str]], fallback: str) -> str:
    """Pick the article headline by newspaper conventions, never by content."""
    texts = [_MARKDOWN_HEADING.sub("", t) for _, t in blocks]
    kinds = [k for k, _ in blocks]
    for (kind, text), clean in zip(blocks, texts):
        if kind == "heading" and _MARKDOWN_HEADING.match(text):
            return clean
    if kinds and kinds[0] == "heading" and len(texts[0]) >= TITLE_MIN_CHARS:
        return texts[0]
    if "byline" in kinds:
        # The headline sits just above the byline, possibly with a "——" subtitle between.
        i = kinds.index("byline")
        run = []
        while i > 0 and kinds[i - 1] == "heading":
            i -= 1
            run.insert(0, texts[i])
        for j, text in enumerate(run):
            if text.startswith(("——", "—", "--")) and j > 0:
                return run[j - 1]
        if run:
            return run[0]
    for kind, text in zip(kinds, texts):
        if kind == "heading" and len(text) >= TITLE_MIN_CHARS:
            return text
    return fallback


def clean_text(raw_text: str, fallback_title: str = "") -> tuple[str, list[Block], str]:
    """Return (cleaned text, blocks with offsets into it, title)."""
    segmented = _segment(raw_text)
    parts, blocks, pos = [], [], 0
    for kind, text in segmented:
        blocks.append(Block(kind, pos, pos + len(text)))
        parts.append(text)
        pos += len(text) + 1  # the newline joining blocks
    return "\n".join(parts), blocks, _choose_title(segmented, fallback_title)


# Optional metadata: a front-matter block at the top of the file or a sidecar JSON file
# beside it (<file name>.json), e.g. {"title": "…", "date": "2024-05-01", "url": "https://…"}.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_FRONT_MATTER_LINE = re.compile(r"^\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$")
META_KEYS = ("title", "date", "url")
META_ALIASES = {"source": "url", "source_url": "url", "link": "url"}
META_MAX_CHARS = 500


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _front_matter(raw: str) -> tuple[dict, str]:
    """(metadata, the text after it); a file without front matter is all text."""
    match = _FRONT_MATTER.match(raw)
    if not match:
        return {}, raw
    meta = {}
    for line in match.group(1).splitlines():
        pair = _FRONT_MATTER_LINE.match(line)
        if pair:
            meta[pair.group(1).lower()] = pair.group(2).strip("\"'")
    return meta, raw[match.end():]


def _sidecar_meta(doc_id: str, data: bytes) -> dict:
    try:
        meta = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        meta = None
    if not isinstance(meta, dict):
        raise QAError(f"{doc_id}.json is not a JSON object of metadata such as "
                      '{"title": "…", "date": "2024-05-01", "url": "https://…"}')
    return meta


def _known_meta(meta: dict) -> dict[str, str]:
    """Only the keys we show, as short single-line strings (metadata is untrusted input)."""
    known = {}
    meta = {META_ALIASES.get(k.lower(), k.lower()): v for k, v in meta.items() if isinstance(k, str)}
    for key in META_KEYS:
        value = meta.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = " ".join(str(value).split())[:META_MAX_CHARS]
            if text:
                known[key] = text
    return known


def parse_document(doc_id: str, data: bytes, sidecar: bytes | None = None) -> Document:
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QAError(f"{doc_id} is not UTF-8 text (byte {exc.start}); convert it to UTF-8 "
                      "or remove it from the documents folder") from None
    meta, raw = _front_matter(raw)
    if sidecar is not None:
        meta.update(_sidecar_meta(doc_id, sidecar))
    meta = _known_meta(meta)
    text, blocks, title = clean_text(raw, fallback_title=Path(doc_id).stem)
    return Document(doc_id=doc_id, title=meta.get("title", title), text=text, blocks=blocks,
                    content_hash=document_hash(data, sidecar), date=meta.get("date"),
                    url=meta.get("url"))


def document_hash(data: bytes, sidecar: bytes | None = None) -> str:
    """A document's identity for the index: its bytes and its metadata file's, if any."""
    return content_hash(data if sidecar is None else data + b"\0sidecar\0" + sidecar)


def _read_sidecar(path: Path) -> bytes | None:
    side = sidecar_path(path)
    return side.read_bytes() if side.is_file() else None


def file_hash(path: Path) -> str:
    return document_hash(path.read_bytes(), _read_sidecar(path))


def load_document(path: Path) -> Document:
    return parse_document(path.name, path.read_bytes(), _read_sidecar(path))


def document_files(docs_dir: Path) -> list[Path]:
    """The .txt/.md files of a folder (not hidden ones), sorted by name."""
    if not docs_dir.is_dir():
        raise QAError(f"documents folder {docs_dir} does not exist")
    files = sorted(p for p in docs_dir.iterdir()
                   if p.is_file() and p.suffix.lower() in DOC_SUFFIXES and not p.name.startswith("."))
    if not files:
        raise QAError(f"documents folder {docs_dir} holds no .txt or .md files")
    return files


def load_documents(docs_dir: Path) -> list[Document]:
    return [load_document(p) for p in document_files(docs_dir)]
