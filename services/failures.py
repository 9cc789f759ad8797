"""What a clerk reads when a document's processing fails: one Chinese sentence first, the
technical detail after it (kept for administrators and shown behind a toggle on the pages).

Stored as one text, ``<sentence>\n技术细节：<stage>: <exception>``, in the task's and the
document's ``error`` (the logs carry the traceback), so API clients see both and nothing of
the detail is lost.
"""

from __future__ import annotations

DETAIL = "\n技术细节："
STAGE_NAMES = {"ocr": "文字识别", "extract": "字段抽取", "index": "建立检索索引",
               "embed": "生成案情向量"}


def technical(exc: BaseException) -> str:
    msg = str(exc) or type(exc).__name__
    return msg if msg.startswith(type(exc).__name__) else f"{type(exc).__name__}: {msg}"


def describe(stage: str, exc: BaseException, *, transient: bool = False) -> str:
    """The failure text of ``stage`` for ``exc`` (``transient``: retries ran out)."""
    from ocr.errors import EngineUnavailable, InputError

    name = STAGE_NAMES.get(stage, stage)
    if isinstance(exc, InputError):  # the file's own fault, already said in Chinese
        head = f"{name}失败：{exc}"
    elif isinstance(exc, EngineUnavailable):
        head = f"{name}失败：本机缺少所需的识别引擎或模型，请联系管理员"
    elif transient:
        head = (f"{name}失败：所依赖的服务（数据库、消息队列、检索或对象存储）多次不可用，"
                "已停止重试；服务恢复后请点“重试”")
    else:
        head = f"{name}失败：系统内部错误，请联系管理员；原件已保存，可点“重试”再试一次"
    return f"{head}{DETAIL}{stage}: {technical(exc)}"


def split(text: str | None) -> tuple[str, str]:
    """(the sentence for the clerk, the technical detail or "")."""
    if not text:
        return "", ""
    head, _, detail = text.partition(DETAIL)
    return head, detail
