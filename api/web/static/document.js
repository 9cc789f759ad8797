// Document view: a field click lights up its span in the page text; clerks correct fields.
(function () {
  "use strict";
  var pre = document.getElementById("pagetext");
  var fieldsEl = document.getElementById("fields");
  if (!fieldsEl) return;
  var docId = fieldsEl.dataset.document;
  var original = pre ? pre.textContent : "";
  var page = pre ? parseInt(pre.dataset.page, 10) : 0;

  function highlight(btn) {
    document.querySelectorAll(".fieldbtn.active").forEach(function (b) { b.classList.remove("active"); });
    btn.classList.add("active");
    var p = parseInt(btn.dataset.page || "0", 10);
    if (!p) return;
    var path = btn.closest(".field").dataset.path;
    if (p !== page) {
      location.href = "?page=" + p + "#field=" + encodeURIComponent(path);
      return;
    }
    if (!pre) return;
    var start = parseInt(btn.dataset.start, 10), end = parseInt(btn.dataset.end, 10);
    pre.textContent = "";
    if (isNaN(start) || isNaN(end) || end <= start) { pre.textContent = original; return; }
    pre.appendChild(document.createTextNode(original.slice(0, start)));
    var mark = document.createElement("mark");
    mark.id = "hl";
    mark.textContent = original.slice(start, end);
    pre.appendChild(mark);
    pre.appendChild(document.createTextNode(original.slice(end)));
    mark.scrollIntoView({ block: "center" });
    boxes(start, end);
  }

  // light up the line boxes on the page image that hold characters start..end
  var linesEl = document.getElementById("pagelines");
  var lineSpans = [];
  if (linesEl) {
    var cursor = 0;
    JSON.parse(linesEl.textContent).forEach(function (t, i) {
      var at = original.indexOf(t, cursor);
      if (at >= 0) { lineSpans.push([i, at, at + t.length]); cursor = at + t.length; }
    });
  }
  function boxes(start, end) {
    document.querySelectorAll(".boxes rect.on").forEach(function (r) { r.classList.remove("on"); });
    var first = null;
    lineSpans.forEach(function (ls) {
      if (ls[1] < end && start < ls[2]) {
        var r = document.querySelector('.boxes rect[data-line="' + ls[0] + '"]');
        if (r) { r.classList.add("on"); first = first || r; }
      }
    });
  }

  fieldsEl.querySelectorAll(".fieldbtn").forEach(function (btn) {
    btn.addEventListener("click", function () { highlight(btn); });
  });

  function parse(kind, raw) {
    raw = raw.trim();
    if (raw === "") return null;
    if (kind === "number") { var n = Number(raw); if (isNaN(n)) throw new Error("请输入数字"); return n; }
    if (kind === "bool") return raw === "是" || raw === "true" || raw === "1";
    if (kind === "list") return raw.split(/[、,，]\s*/).filter(Boolean);
    return raw;
  }

  fieldsEl.querySelectorAll(".field").forEach(function (li) {
    var edit = li.querySelector(".editbtn"), form = li.querySelector("form.edit");
    if (!edit || !form) return;
    var input = form.querySelector("input"), msg = form.querySelector(".msg");
    edit.addEventListener("click", function () { form.hidden = false; input.focus(); input.select(); });
    form.querySelector(".cancel").addEventListener("click", function () { form.hidden = true; edit.focus(); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var value;
      try { value = parse(form.dataset.kind, input.value); } catch (e) { msg.textContent = e.message; return; }
      msg.textContent = "保存中…";
      fetch("/web/api/documents/" + docId + "/fields/" + li.dataset.path.split("/").map(encodeURIComponent).join("/"), {
        method: "PUT", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-Dossier-Web": "1" },
        body: JSON.stringify({ value: value })
      }).then(function (r) { return r.json().then(function (j) { return [r, j]; }); })
        .then(function (rj) {
          if (!rj[0].ok) { msg.textContent = "未保存：" + (rj[1].detail || rj[0].status); return; }
          msg.textContent = "已保存";
          location.reload();
        });
    });
  });

  var m = /#field=([^&]+)/.exec(location.hash);
  if (m) {
    var li = fieldsEl.querySelector('.field[data-path="' + decodeURIComponent(m[1]).replace(/"/g, "") + '"]');
    if (li) highlight(li.querySelector(".fieldbtn"));
  }
})();

// Page image tools: zoom in and out, recognition boxes on demand.
(function () {
  "use strict";
  var wrap = document.querySelector(".imgwrap");
  if (!wrap) return;
  var scale = 1;
  function apply() { wrap.style.width = (scale * 100) + "%"; }
  var zin = document.getElementById("zoom-in"), zout = document.getElementById("zoom-out");
  if (zin) zin.addEventListener("click", function () { scale = Math.min(3, scale + 0.25); apply(); });
  if (zout) zout.addEventListener("click", function () { scale = Math.max(0.5, scale - 0.25); apply(); });
  var boxes = document.getElementById("show-boxes"), svg = wrap.querySelector("svg.boxes");
  if (boxes && svg) boxes.addEventListener("change", function () { svg.style.display = boxes.checked ? "" : "none"; });
})();
