// Live preview for the template editor. The page works without it: "Vista previa" posts
// the form and the server renders the same preview.
(function () {
  "use strict";
  var form = document.getElementById("form-plantilla");
  if (!form || !window.fetch) return;
  var fields = ["cuerpo", "cliente", "wa_nombre", "wa_idioma", "wa_parametros"];
  var out = {
    text: document.getElementById("vista-previa-texto"),
    error: document.getElementById("vista-previa-error"),
    encoding: document.getElementById("vista-previa-codificacion"),
    segments: document.getElementById("vista-previa-segmentos"),
    characters: document.getElementById("vista-previa-caracteres"),
    cost: document.getElementById("vista-previa-costo"),
    state: document.getElementById("vista-previa-estado"),
    to: document.getElementById("vista-previa-destino"),
    toLine: document.getElementById("vista-previa-destino-linea"),
    whatsapp: document.getElementById("vista-previa-whatsapp"),
    whatsappLine: document.getElementById("vista-previa-whatsapp-linea")
  };
  var timer = null, sequence = 0;

  function value(name) {
    var el = form.elements[name];
    return el ? el.value : null;
  }

  function refresh() {
    var mine = ++sequence;
    var body = {};
    fields.forEach(function (name) { body[name] = value(name); });
    body.etapa = value("etapa");
    body.canal = value("canal");
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRF-Token": form.getAttribute("data-csrf") },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); }).then(function (p) {
      if (mine !== sequence) return; // an older answer arriving late
      // textContent only: the preview shows user text, never markup.
      out.error.hidden = !p.error;
      out.error.textContent = p.error || "";
      out.text.textContent = p.text || "";
      // The encoding line is on SMS pages only.
      if (out.encoding) {
        out.encoding.textContent = p.encoding || "—";
        out.segments.textContent = p.segments == null ? "—" : String(p.segments);
        out.characters.textContent = p.characters == null ? "—" : String(p.characters);
        out.cost.textContent = p.cost || "—";
      }
      // The number and the WhatsApp parameters are the chosen client's: replaced (or hidden) on every answer.
      show(out.to, out.toLine, p.to);
      show(out.whatsapp, out.whatsappLine, p.whatsapp);
      out.state.textContent = "Se actualiza mientras escribe.";
    }).catch(function () {
      out.state.textContent = "No se pudo actualizar la vista previa; use el botón «Vista previa».";
    });
  }

  function show(el, line, text) {
    if (!el) return;
    el.textContent = text || "";
    line.hidden = !text;
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  fields.forEach(function (name) {
    var el = form.elements[name];
    if (el) { el.addEventListener("input", later); el.addEventListener("change", later); }
  });
  out.state.textContent = "Se actualiza mientras escribe.";
})();
