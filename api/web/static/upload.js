// Upload each chosen file to the service, then poll its task until it is done.
(function () {
  "use strict";
  var form = document.getElementById("upload");
  var list = document.getElementById("progress");
  var drop = document.getElementById("drop");
  var input = document.getElementById("files");
  var STATE = { pending: "排队中", running: "处理中", succeeded: "已完成", failed: "失败" };
  var STAGE = { queued: "排队", done: "完成", intake: "接收", ocr: "文字识别", extract: "字段提取", extraction: "字段提取",
                index: "建立索引", search: "建立索引", embed: "类案向量", similarity: "类案向量" };
  var HEADERS = { "X-Dossier-Web": "1" };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function item(name) {
    var li = el("li", "item");
    li.appendChild(el("span", "fname", name));
    var st = el("span", "status pending", "上传中");
    li.appendChild(st);
    var bar = el("progress");
    bar.max = 1; bar.value = 0;
    bar.setAttribute("aria-label", name + " 进度");
    li.appendChild(bar);
    var detail = el("span", "detail muted", "");
    li.appendChild(detail);
    list.appendChild(li);
    return li;
  }

  function show(li, task) {
    var st = li.querySelector(".status");
    st.className = "status " + task.state;
    st.textContent = STATE[task.state] || task.state;
    var bar = li.querySelector("progress");
    var detail = li.querySelector(".detail");
    if (task.pages_total) { bar.max = task.pages_total; bar.value = task.pages_done || 0; }
    if (task.state === "succeeded") { bar.max = 1; bar.value = 1; }
    detail.textContent = (STAGE[task.stage] || task.stage || "") +
      (task.pages_total ? "  第 " + (task.pages_done || 0) + " / " + task.pages_total + " 页" : "");
    li.dataset.state = task.state;
  }

  function finish(li, task) {
    var docId = li.dataset.document;
    if (task.state === "succeeded") {
      var a = el("a", "open", "查看文书");
      a.href = "/documents/" + docId;
      li.appendChild(a);
    } else {
      // the sentence for the clerk; the technical detail after it stays in a tooltip
      const [head, detail] = (task.error || "未知").split("\n技术细节：");
      const why = el("span", "reason", "原因：" + head);
      if (detail) why.title = "技术细节：" + detail;
      li.appendChild(why);
      var b = el("button", "retry", "重试");
      b.type = "button";
      b.addEventListener("click", function () {
        b.disabled = true;
        fetch("/web/api/documents/" + docId + "/retry", { method: "POST", headers: HEADERS,
          credentials: "same-origin" })
          .then(function (r) { return r.json().then(function (j) { return [r, j]; }); })
          .then(function (rj) {
            if (!rj[0].ok) { b.disabled = false; alert(rj[1].detail || "重试失败"); return; }
            li.querySelectorAll(".reason, .retry").forEach(function (n) { n.remove(); });
            poll(li, rj[1].task_id);
          });
      });
      li.appendChild(b);
    }
  }

  function poll(li, taskId) {
    li.dataset.task = taskId;
    fetch("/web/api/tasks/" + taskId, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (task) {
        show(li, task);
        if (task.state === "succeeded" || task.state === "failed") finish(li, task);
        else setTimeout(function () { poll(li, taskId); }, 1000);
      })
      .catch(function () { setTimeout(function () { poll(li, taskId); }, 3000); });
  }

  function send(file, caseNumber) {
    var li = item(file.name);
    var body = new FormData();
    body.append("file", file, file.name);
    if (caseNumber) body.append("case_number", caseNumber);
    return fetch("/web/api/documents", { method: "POST", body: body, headers: HEADERS,
      credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (j) { return [r, j]; }); })
      .then(function (rj) {
        if (!rj[0].ok) {
          show(li, { state: "failed", stage: "intake" });
          li.appendChild(el("span", "reason", "原因：" + (rj[1].detail || rj[0].status)));
          return;
        }
        li.dataset.document = rj[1].document_id;
        if (rj[1].duplicate) li.appendChild(el("span", "muted", "（重复文件，沿用已有结果）"));
        poll(li, rj[1].task_id);
      });
  }

  var dropped = null;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var files = dropped || input.files;
    if (!files || !files.length) { input.focus(); return; }
    var caseNumber = document.getElementById("case_number").value.trim();
    Array.prototype.forEach.call(files, function (f) { send(f, caseNumber); });
    form.reset(); dropped = null;
  });
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (ev) { ev.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (ev) {
    ev.preventDefault();
    dropped = ev.dataTransfer.files;
    input.required = false;
    drop.querySelector("p").textContent = "已选择 " + dropped.length + " 个文件";
  });
  // items rendered by the no-JavaScript form handler
  list.querySelectorAll("li[data-task]").forEach(function (li) {
    if (!li.querySelector("progress")) {
      var bar = el("progress"); bar.max = 1; bar.value = 0; li.appendChild(bar);
      li.appendChild(el("span", "detail muted", ""));
    }
    poll(li, li.dataset.task);
  });
})();
