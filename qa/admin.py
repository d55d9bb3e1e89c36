"""Admin endpoints: upload and delete articles, rebuild the index while the server answers.

Only with QA_API_KEY set on the server (and given by the caller): they change what every
user reads. Documents are written atomically into the documents folder and the index is
updated incrementally; the service then switches to the new index in one assignment, so
questions in flight finish on the old one and none sees a half-built index.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Response, UploadFile
from pydantic import BaseModel

from qa.api import MAX_DOCUMENT_BYTES, ApiError, DocumentOut, document_list
from qa.documents import DOC_SUFFIXES, document_files, parse_document, sidecar_path
from qa.errors import QAError

# A plain file name: letters (any script), digits, - _ . and spaces; no folders, not hidden.
_DOC_ID = re.compile(r"^\w[\w\-. ]{0,199}$")


class IndexOut(BaseModel):
    build: str
    created: str
    documents: int
    chunks: int


def validate_doc_id(doc_id: str | None) -> str:
    """The name a document is stored under: never a path out of the documents folder."""
    if (not doc_id or not _DOC_ID.match(doc_id) or ".." in doc_id
            or not doc_id.lower().endswith(DOC_SUFFIXES)):
        raise ApiError(400, "invalid_doc_id",
                       "The document name must be a plain .txt or .md file name (letters, digits, "
                       "- _ . and spaces; no folders, not hidden)",
                       "文档名须为普通的 .txt 或 .md 文件名（不含目录，不以点开头）")
    return doc_id


def _write_atomically(path: Path, data: bytes) -> None:
    """A crash mid-write leaves the old file (or none), never half of the new one. The
    temporary name is hidden, so an indexer running meanwhile never reads it."""
    tmp = path.with_name(f".upload-{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ApiError(507, "storage_failed", f"Could not save the document: {exc.strerror or exc}",
                       "无法保存文档") from None


def admin_router(settings, ready_service, authorised, api_key_set: bool) -> APIRouter:
    def admin_enabled() -> None:
        if not api_key_set:
            raise ApiError(403, "admin_disabled", "Admin endpoints need QA_API_KEY set on the server",
                           "管理接口需要在服务器上设置 QA_API_KEY")

    router = APIRouter(dependencies=[Depends(admin_enabled), Depends(authorised)], tags=["admin"])
    docs_dir = settings.docs_dir

    def documents_folder() -> Path:
        if not docs_dir.is_dir():
            raise ApiError(409, "no_documents_folder", f"The server has no documents folder ({docs_dir})",
                           "服务器没有文档目录")
        return docs_dir

    def reindex(service) -> dict:
        try:
            return service.reindex()
        except QAError as exc:
            raise ApiError(500, "reindex_failed", f"{exc}; the previous index is still answering",
                           "索引更新失败，仍在使用之前的索引") from None

    @router.post("/documents", response_model=DocumentOut, status_code=201,
                 summary="上传文章 / Upload an article (.txt or .md, UTF-8)")
    def upload(file: UploadFile, response: Response, metadata: str | None = Form(None),
               service=Depends(ready_service)):
        folder = documents_folder()
        doc_id = validate_doc_id(file.filename)
        data = file.file.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ApiError(413, "payload_too_large", f"Documents are limited to {MAX_DOCUMENT_BYTES // 1024} KiB",
                           f"文档不能超过 {MAX_DOCUMENT_BYTES // 1024} KiB")
        sidecar = metadata.encode() if metadata else None
        try:
            parse_document(doc_id, data, sidecar)  # refuse what the indexer would refuse
        except QAError as exc:
            raise ApiError(400, "invalid_document", str(exc), "文档无效（须为 UTF-8 文本）") from None
        existed = (folder / doc_id).exists()
        if sidecar is not None:
            _write_atomically(sidecar_path(folder / doc_id), sidecar)
        else:  # the upload replaces the article's metadata too
            sidecar_path(folder / doc_id).unlink(missing_ok=True)
        _write_atomically(folder / doc_id, data)
        reindex(service)
        response.status_code = 200 if existed else 201
        return next(d for d in document_list(service.corpus) if d.doc_id == doc_id)

    @router.delete("/documents/{doc_id}", response_model=IndexOut, summary="删除文章 / Delete an article")
    def delete(doc_id: str, service=Depends(ready_service)):
        folder = documents_folder()
        path = folder / validate_doc_id(doc_id)
        if not path.is_file():
            raise ApiError(404, "no_such_document", f"There is no document {doc_id!r}", "没有这篇文章")
        if document_files(folder) == [path]:
            raise ApiError(409, "last_document", "This is the only document; upload another first",
                           "这是唯一的文章，请先上传其他文章")
        path.unlink()
        sidecar_path(path).unlink(missing_ok=True)
        return _index_out(reindex(service))

    @router.post("/reindex", response_model=IndexOut, summary="按文档目录更新索引 / Update the index")
    def reindex_now(service=Depends(ready_service)):
        documents_folder()
        return _index_out(reindex(service))

    return router


def _index_out(manifest: dict) -> IndexOut:
    return IndexOut(build=manifest["build"], created=manifest["created"],
                    documents=manifest["counts"]["documents"], chunks=manifest["counts"]["chunks"])
