// Solves the portal's ALTCHA-compatible proof-of-work challenge (no dependencies).
// Progressive: without JavaScript the form shows an arithmetic question instead.
// Markup: <input type="hidden" name="altcha" data-altcha="/api/altcha"> inside a form,
// optionally <p data-altcha-status aria-live="polite"></p> for a status line. Inputs that get
// `data-altcha` later (the newsletter field in the footer, once it is used) are started by
// calling window.cspAltcha() again; each input is started once.
(function () {
  "use strict";
  var enc = new TextEncoder();
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }
  async function solve(ch) {
    for (var n = 0; n <= ch.maxnumber; n++) {
      var digest = await crypto.subtle.digest("SHA-256", enc.encode(ch.salt + n));
      if (hex(digest) === ch.challenge) return n;
    }
    return null;
  }
  function setup(input) {
    if (input.hasAttribute("data-altcha-started")) return;
    input.setAttribute("data-altcha-started", "");
    var form = input.form;
    var status = form && form.querySelector("[data-altcha-status]");
    var say = function (t) { if (status) status.textContent = t; };
    var done = (async function () {
      say("Sicherheitsprüfung läuft …");
      var res = await fetch(input.getAttribute("data-altcha"), { credentials: "same-origin" });
      var ch = await res.json();
      var number = await solve(ch);
      if (number === null) throw new Error("unsolved");
      input.value = btoa(JSON.stringify({
        algorithm: ch.algorithm, challenge: ch.challenge, number: number,
        salt: ch.salt, signature: ch.signature
      }));
      say("Sicherheitsprüfung abgeschlossen.");
    })();
    done.catch(function () { say("Die Sicherheitsprüfung konnte nicht geladen werden. Bitte laden Sie die Seite neu."); });
    if (form) {
      form.addEventListener("submit", function (event) {
        if (input.value) return;
        event.preventDefault();
        done.then(function () { form.requestSubmit ? form.requestSubmit() : form.submit(); });
      });
    }
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-altcha]"), setup);
  }
  window.cspAltcha = init;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
