// Cloud-Service-Portal: progressive enhancement only. Every page works without this script.
// No framework, no cookies; the Merkliste and the comparison live in localStorage.
(function () {
  "use strict";
  var d = document;
  var $ = function (s, r) { return (r || d).querySelector(s); };
  var $$ = function (s, r) { return Array.prototype.slice.call((r || d).querySelectorAll(s)); };
  var esc = function (t) {
    return String(t == null ? "" : t).replace(/[&<>"']/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  };
  var store = {
    get: function (k) { try { return JSON.parse(localStorage.getItem(k)) || []; } catch (e) { return []; } },
    set: function (k, v) { try { localStorage.setItem(k, JSON.stringify(v)); } catch (e) { /* private mode */ } }
  };
  var WATCH = "csp-merkliste", COMPARE = "csp-vergleich";
  var dataPromise;
  function data() {
    if (!dataPromise) {
      dataPromise = fetch("/cloud-services/filter-data.json").then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      });
    }
    return dataPromise;
  }
  function json(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  // --- Session state in the header ---------------------------------------------------------
  // Asked once per page: who is signed in, the forms' CSRF token, and whether the service is
  // reachable at all.
  var session = json("/api/sitzung");
  session.then(function (s) {
    if (!s || !s.angemeldet) return;
    $$("[data-session=out]").forEach(function (e) { e.hidden = true; });
    $$("[data-session=in]").forEach(function (e) { e.hidden = false; });
    var n = $("[data-session-name]");
    if (n && s.name) n.textContent = " (" + s.name + ")";
    var c = $("[data-cart-count]");
    if (c && typeof s.warenkorb === "number") c.textContent = " (" + s.warenkorb + ")";
  }).catch(function () {});

  // --- Merkliste and comparison selection --------------------------------------------------
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }
  function updateCounter() {
    var n = store.get(WATCH).length;
    $$("[data-watch-count]").forEach(function (c) {
      c.hidden = false;
      c.innerHTML = n + '<span class="visually-hidden"> ' + (n === 1 ? "Eintrag" : "Einträge") + "</span>";
    });
  }
  function syncButtons() {
    var w = store.get(WATCH), c = store.get(COMPARE);
    $$("[data-actions]").forEach(function (e) { e.hidden = false; });
    $$("[data-watch]").forEach(function (b) {
      var on = w.indexOf(b.getAttribute("data-watch")) >= 0;
      b.setAttribute("aria-pressed", on);
    });
    $$("[data-compare]").forEach(function (b) {
      b.setAttribute("aria-pressed", c.indexOf(b.getAttribute("data-compare")) >= 0);
    });
    // Every page with "Vergleichen" buttons gets the bar that leads to the comparison.
    var bar = $("#compare-bar"), wraps = $$("#inhalt > .wrap");
    if (!bar && $("[data-compare]") && wraps.length) {
      wraps[wraps.length - 1].insertAdjacentHTML("beforeend", '<div class="compare-bar" id="compare-bar" hidden><p><span data-compare-count></span> <a href="/vergleich/" data-compare-link>Jetzt vergleichen</a> <button type="button" class="btn-small" data-compare-clear>Auswahl leeren</button></p></div>');
      bar = $("#compare-bar");
    }
    if (bar) {
      bar.hidden = c.length === 0;
      $("[data-compare-count]", bar).textContent = plural(c.length, "Service", "Services") + " zum Vergleich gewählt (höchstens 3).";
      $("[data-compare-link]", bar).href = "/vergleich/?ids=" + c.map(encodeURIComponent).join(",");
    }
    updateCounter();
  }
  function toggle(key, id, max) {
    var list = store.get(key), i = list.indexOf(id);
    if (i >= 0) list.splice(i, 1);
    else {
      if (max && list.length >= max) {
        announce("Sie können höchstens " + max + " Services vergleichen. Entfernen Sie zuerst einen.");
        return;
      }
      list.push(id);
    }
    store.set(key, list);
    syncButtons();
  }
  var live;
  function announce(text) {
    if (!live) {
      live = d.createElement("div");
      live.className = "visually-hidden";
      live.setAttribute("role", "status");
      d.body.appendChild(live);
    }
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 50);
  }
  d.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-watch],[data-compare],[data-compare-clear]");
    if (!b) return;
    if (b.hasAttribute("data-watch")) {
      toggle(WATCH, b.getAttribute("data-watch"));
      announce(b.getAttribute("aria-pressed") === "true" ? "Auf der Merkliste." : "Von der Merkliste entfernt.");
      if ($("[data-watch-view]")) renderWatchlist();
    } else if (b.hasAttribute("data-compare")) {
      toggle(COMPARE, b.getAttribute("data-compare"), 3);
    } else {
      store.set(COMPARE, []);
      syncButtons();
    }
  });
  // The pre-rendered tiles get their buttons here (see actions below).
  $$(".tile[data-id] > article").forEach(function (a) {
    a.insertAdjacentHTML("beforeend", actions(a.parentNode.getAttribute("data-id"), $("h3", a).textContent));
  });
  syncButtons();
  // Links that only make sense with this script (the overview's instant filters).
  $$("[data-refine]").forEach(function (e) { e.hidden = false; });

  // --- Tiles, as the generator renders them -----------------------------------------------
  function tile(o, names, order) {
    var band = Math.round(o.r / 10) * 10;
    return '<li class="tile" data-id="' + esc(o.i) + '"><article aria-labelledby="kachel-' + esc(o.i) + '">' +
      '<h3 id="kachel-' + esc(o.i) + '"><a href="/cloud-services/' + esc(o.i) + '/">' + esc(o.n) + "</a></h3>" +
      '<p class="tile-meta"><span class="tag">' + esc(names.typ[o.t]) + "</span> <span>" + esc(names.anbieter[o.a]) + "</span></p>" +
      '<p class="tile-summary">' + esc(o.s) + "</p>" +
      '<p class="tile-price"><strong>' + esc(o.pt) + "</strong>" + (o.pu ? " <span>" + esc(o.pu) + "</span>" : "") + (/€/.test(o.pt) ? ' <span class="net">netto</span>' : "") + "</p>" +
      '<p class="badge"><span class="meter m' + band + '" aria-hidden="true"></span>Reifegrad ' + o.r + " %</p>" +
      actions(o.i, o.n, order) + "</article></li>";
  }
  // The Merken/Vergleichen buttons need this script, so the script adds them: pages without it
  // carry no dead buttons, and a listing page is a third smaller.
  function actions(id, name, order) {
    var label = '<span class="visually-hidden">: ' + esc(name) + "</span>";
    return '<div class="tile-actions" data-actions="' + esc(id) + '"><button type="button" class="btn-small" data-watch="' + esc(id) + '" aria-pressed="false">Merken' + label + "</button>" +
      '<button type="button" class="btn-small" data-compare="' + esc(id) + '" aria-pressed="false">Vergleichen' + label + "</button>" +
      (order ? '<a class="btn btn-small" href="/bestellen/' + esc(id) + '/">Bestellen' + label + "</a>" : "") + "</div>";
  }
  function names(data) {
    var n = { typ: {}, anbieter: {} };
    data.typen.forEach(function (t) { n.typ[t[0]] = t[1]; });
    data.anbieter.forEach(function (a) { n.anbieter[a[0]] = a[1]; });
    return n;
  }

  // --- Instant filters on /cloud-services/ ------------------------------------------------
  var form = $("#filter-form");
  if (form) {
    var list = $("#tiles"), count = $("#result-count"), more = $("#more-results"), pager = $(".pagination");
    var PAGE = 48, shown = PAGE;
    var sorters = {
      name: null,
      neu: function (a, b) { return a.u < b.u ? 1 : a.u > b.u ? -1 : 0; },
      preis: function (a, b) { return (a.p == null ? 1e15 : a.p) - (b.p == null ? 1e15 : b.p); },
      reifegrad: function (a, b) { return b.r - a.r; }
    };
    var state = function () {
      var s = {};
      $$("select", form).forEach(function (f) { if (f.value) s[f.name] = f.value; });
      return s;
    };
    var matches = function (o, s) {
      if (s.kategorie && !o.k.some(function (k) { return k === s.kategorie || k.split("/")[0] === s.kategorie; })) return false;
      if (s.typ && o.t !== s.typ) return false;
      if (s.anbieter && o.a !== s.anbieter) return false;
      if (s.vertragsmodell && o.v.indexOf(s.vertragsmodell) < 0) return false;
      if (s.kundenkreis && o.c.indexOf(s.kundenkreis) < 0) return false;
      if (s.reifegrad && o.r < parseInt(s.reifegrad.replace("ab-", ""), 10)) return false;
      return true;
    };
    var apply = function (fromUser) {
      data().then(function (data) {
        var s = state(), n = names(data);
        // The data file is in name order (ties by id): the index is the stable tie-breaker.
        var hits = data.o.map(function (o, i) { o.x = i; return o; }).filter(function (o) { return matches(o, s); });
        var by = sorters[s.sortierung || "name"];
        if (by) hits.sort(function (a, b) { return by(a, b) || a.x - b.x; });
        list.innerHTML = hits.slice(0, shown).map(function (o) { return tile(o, n); }).join("");
        if (pager) pager.hidden = true;
        count.textContent = (hits.length === 0 ? "Keine Cloud-Services gefunden. Ändern Sie die Filter oder melden Sie Ihren Bedarf." : plural(hits.length, "Cloud-Service", "Cloud-Services")) +
          (hits.length > shown ? ", die ersten " + shown + " angezeigt" : "");
        more.innerHTML = hits.length > shown ? '<button type="button" class="btn btn-secondary" data-more>Weitere Cloud-Services anzeigen</button>' : "";
        if (fromUser) {
          var q = new URLSearchParams(s).toString();
          history.replaceState(null, "", location.pathname + (q ? "?" + q : ""));
        }
        syncButtons();
      }).catch(function () {
        count.textContent = "Die Filter konnten nicht geladen werden. Nutzen Sie die Links zu den Filterwerten.";
        $("#facet-links").hidden = false;
      });
    };
    form.hidden = false;
    $("#facet-links").hidden = true;
    var params = new URLSearchParams(location.search);
    $$("select", form).forEach(function (f) {
      var v = params.get(f.name);
      if (v && $$("option", f).some(function (o) { return o.value === v; })) f.value = v;
    });
    form.addEventListener("change", function () { shown = PAGE; apply(true); });
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(true); });
    form.addEventListener("reset", function () { setTimeout(function () { shown = PAGE; apply(true); }, 0); });
    more.addEventListener("click", function (e) {
      if (e.target.hasAttribute("data-more")) { shown += PAGE; apply(false); }
    });
    if (params.toString()) apply(false);
  }

  // --- Merkliste page ---------------------------------------------------------------------
  function renderWatchlist() {
    var view = $("[data-watch-view]");
    data().then(function (data) {
      var ids = store.get(WATCH), n = names(data);
      var items = data.o.filter(function (o) { return ids.indexOf(o.i) >= 0; });
      view.innerHTML = items.length ?
        "<h2>" + plural(items.length, "Service", "Services") + ' auf Ihrer Merkliste</h2><ul class="tiles">' + items.map(function (o) { return tile(o, n, true); }).join("") + "</ul>" :
        '<p>Ihre Merkliste ist leer. In der <a href="/cloud-services/">Übersicht der Cloud-Services</a> merken Sie sich Angebote mit „Merken“.</p>';
      syncButtons();
    }).catch(function () { view.innerHTML = "<p>Die Merkliste konnte nicht geladen werden.</p>"; });
  }
  if ($("[data-watch-view]")) renderWatchlist();

  // --- Comparison page --------------------------------------------------------------------
  var cmp = $("[data-compare-view]");
  if (cmp) {
    var ids = (new URLSearchParams(location.search).get("ids") || store.get(COMPARE).join(",")).split(",").filter(Boolean).slice(0, 3);
    fetch("/vergleich/daten.json").then(function (r) { return r.json(); }).then(function (c) {
      var os = ids.map(function (id) { return [id, c.o[id]]; }).filter(function (p) { return p[1]; });
      if (!os.length) {
        cmp.innerHTML = '<p>Noch nichts ausgewählt. Wählen Sie in der <a href="/cloud-services/">Übersicht</a> bei bis zu drei Services „Vergleichen“.</p>';
        return;
      }
      var row = function (label, f) {
        return '<tr><th scope="row">' + label + "</th>" + os.map(function (p) { return "<td>" + f(p[1], p[0]) + "</td>"; }).join("") + "</tr>";
      };
      var h = '<div class="table-scroll" role="region" aria-label="Vergleichstabelle (auf schmalen Bildschirmen waagrecht scrollbar)" tabindex="0"><table class="compare-table"><caption class="visually-hidden">Vergleich der gewählten Cloud-Services</caption><thead><tr><td></td>' +
        os.map(function (p) { return '<th scope="col"><a href="/cloud-services/' + esc(p[0]) + '/">' + esc(p[1].n) + "</a></th>"; }).join("") + "</tr></thead><tbody>" +
        row("Anbieter", function (o) { return esc(o.a); }) +
        row("Serviceart", function (o) { return esc(o.t); }) +
        row("Preis", function (o) { return "<strong>" + esc(o.pt) + "</strong>" + (/€/.test(o.pt) ? " netto" : "") + "<br>" + o.plans.map(esc).join("<br>"); }) +
        row("Bereitstellungszeit", function (o) { return esc(o.bt); }) +
        row("Vertragsmodelle", function (o) { return esc(o.v.join(", ")); }) +
        row("Kundenkreis", function (o) { return esc(o.c.join(", ")); }) +
        row("Reifegrad gesamt", function (o) { return o.r + " % (Selbstauskunft vom " + esc(o.ma) + ")"; });
      var dim = "";
      c.kriterien.forEach(function (k, i) {
        if (k.d !== dim) { dim = k.d; h += '<tr><th scope="rowgroup" colspan="' + (os.length + 1) + '">' + esc(dim) + "</th></tr>"; }
        h += row(esc(k.n), function (o) { return o.l[i] == null ? "nicht bewertet" : "Stufe " + o.l[i] + " von " + k.m; });
      });
      h += "</tbody></table></div>";
      h += "<p>" + os.map(function (p) { return '<a class="btn" href="/bestellen/' + esc(p[0]) + '/">' + esc(p[1].n) + " bestellen</a>"; }).join(" ") + "</p>";
      cmp.innerHTML = h;
    }).catch(function () { /* keep the explanation */ });
  }

  // --- Search as you type -----------------------------------------------------------------
  var search = $("[data-search]");
  if (search) {
    var input = $("input[name=q]", search), box = $("#suche-treffer"), timer, seq = 0;
    input.setAttribute("aria-controls", "suche-treffer");
    // Says how many suggestions appeared, for screen readers.
    var status = d.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    search.appendChild(status);
    var close = function () { box.hidden = true; box.innerHTML = ""; status.textContent = ""; };
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        json("/api/suche?q=" + encodeURIComponent(q)).then(function (r) {
          if (mine !== seq) return;
          var hits = Array.isArray(r) ? r : r.treffer || r.results || r.hits || [];
          box.innerHTML = hits.length ?
            '<ul aria-label="Vorschläge">' + hits.slice(0, 8).map(function (t) {
              var url = t.url || "/cloud-services/" + encodeURIComponent(t.id) + "/";
              return '<li><a href="' + esc(url) + '">' + esc(t.name || t.titel || t.id) + "</a></li>";
            }).join("") + "</ul>" :
            '<p>Keine Treffer. <a href="/bedarf-melden/?titel=' + encodeURIComponent(q) + '">Bedarf melden</a></p>';
          box.hidden = false;
          status.textContent = hits.length ? plural(Math.min(hits.length, 8), "Vorschlag", "Vorschläge") + ", mit Pfeil nach unten erreichbar." : "Keine Treffer.";
        }).catch(close);
      }, 200);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") close();
      if (e.key === "ArrowDown" && !box.hidden) { var a = $("a", box); if (a) { e.preventDefault(); a.focus(); } }
    });
    search.addEventListener("focusout", function () {
      setTimeout(function () { if (!search.contains(d.activeElement)) close(); }, 100);
    });
  }

  // --- Bedarf melden: a search without hits links here with its words ------------------
  var need = $("form[action='/api/bedarf'] [name=title]");
  var wanted = new URLSearchParams(location.search).get("titel");
  if (need && wanted && !need.value) need.value = wanted.slice(0, 200);

  // --- Newsletter in the footer: the proof of work starts once the form is used ----------
  // (not on every page view); the function's altcha.js solves it. Should the script fail to
  // load, the form is sent as it is and the function asks its question instead.
  $$("form[data-newsletter]").forEach(function (form) {
    var pow = $("[data-altcha-on-use]", form);
    if (!pow) return;
    var loading = null;
    function start() {
      if (loading) return loading;
      pow.setAttribute("data-altcha", pow.getAttribute("data-altcha-on-use"));
      loading = new Promise(function (done, fail) {
        if (window.cspAltcha) { window.cspAltcha(); done(); return; }
        var s = d.createElement("script");
        s.src = "/api/altcha.js";
        s.onload = function () { done(); };
        s.onerror = fail;
        d.head.appendChild(s);
      });
      return loading;
    }
    form.addEventListener("focusin", function () { start().catch(function () {}); });
    form.addEventListener("submit", function (e) {
      if (pow.value || pow.hasAttribute("data-altcha-started")) return;
      e.preventDefault();
      start().then(function () {
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }, function () { form.submit(); });
    });
  });

  // --- Sign-in: where to go afterwards (?weiter=), copied into the form's hidden field ----
  // (the function follows only a local path of the portal, whatever it is sent).
  var back = new URLSearchParams(location.search).get("weiter");
  if (back) $$("input[data-weiter]").forEach(function (i) { if (!i.value) i.value = back.slice(0, 512); });

  // --- Forms: CSRF token, idempotency key, validation with an error summary ---------------
  var forms = $$("form[data-validate]");
  if (forms.length) {
    session.then(function (r) {
      var t = r && (r.csrf_token || r.token || r.csrf);
      if (t) $$("[data-csrf]").forEach(function (i) { i.value = t; });
    }).catch(function () {
      // A static copy without the function, or the service is down: say so before anyone
      // fills in a form that cannot be sent.
      $$("[data-service-notice]").forEach(function (n) { n.hidden = false; });
    });
    $$("[data-idempotency]").forEach(function (i) {
      i.value = window.crypto && crypto.randomUUID ? crypto.randomUUID() : Date.now() + "-" + Math.random().toString(36).slice(2);
    });
  }
  // A form the function sent back with errors: its summary gets the focus, as ours does.
  var served = $("main .error-summary:not([hidden])");
  if (served && !served.hidden && !served.contains(d.activeElement)) {
    if (!served.hasAttribute("tabindex")) served.setAttribute("tabindex", "-1");
    served.focus();
  }
  function labelOf(f) {
    var fs = f.type === "radio" ? f.closest("fieldset") : null;
    var l = fs ? $("legend", fs) : f.id && $('label[for="' + f.id + '"]');
    return l ? l.textContent.replace(/\s*\((Pflichtfeld|freiwillig)\)\s*/, "").trim() : f.name;
  }
  function message(f) {
    var v = f.validity, l = labelOf(f);
    if (v.valueMissing) {
      if (f.type === "checkbox") return "Bitte bestätigen Sie: " + l;
      if (f.type === "radio" || f.tagName === "SELECT") return "Bitte wählen Sie: " + l;
      return "Bitte füllen Sie das Feld „" + l + "“ aus.";
    }
    if (v.typeMismatch && f.type === "email") return "Bitte geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel name@behoerde.de.";
    if (v.patternMismatch && f.autocomplete === "postal-code") return "Bitte geben Sie eine Postleitzahl mit fünf Ziffern ein.";
    if (v.rangeUnderflow) return "„" + l + "“: bitte mindestens " + f.min + " angeben.";
    if (v.rangeOverflow) return "„" + l + "“: bitte höchstens " + f.max + " angeben.";
    if (v.badInput || v.stepMismatch) return "„" + l + "“: bitte eine ganze Zahl angeben.";
    return "Bitte prüfen Sie das Feld „" + l + "“.";
  }
  forms.forEach(function (f) {
    f.noValidate = true;
    var summary = f.previousElementSibling && f.previousElementSibling.hasAttribute("data-error-summary") ? f.previousElementSibling : null;
    f.addEventListener("submit", function (e) {
      // "In den Warenkorb" needs no billing address or consent: the function checks the rest.
      if (e.submitter && e.submitter.formNoValidate) return;
      $$(".field-error", f).forEach(function (x) { x.remove(); });
      $$(".has-error", f).forEach(function (x) { x.classList.remove("has-error"); });
      $$("[aria-invalid]", f).forEach(function (x) {
        x.removeAttribute("aria-invalid");
        var ds = (x.getAttribute("aria-describedby") || "").replace(/\S+-fehler/g, "").trim();
        if (ds) x.setAttribute("aria-describedby", ds); else x.removeAttribute("aria-describedby");
      });
      var bad = [], seen = {};
      $$("input,select,textarea", f).forEach(function (x) {
        if (x.type === "hidden" || x.name === "website" || x.checkValidity() || seen[x.name]) return;
        seen[x.name] = 1;
        bad.push([x, message(x)]);
      });
      if (!bad.length) { if (summary) summary.hidden = true; return; }
      e.preventDefault();
      // Nothing else may act on a form that is not sent (the human check would submit it
      // by itself once solved).
      e.stopImmediatePropagation();
      bad.forEach(function (b) {
        var x = b[0], id = (x.id || x.name) + "-fehler", p = d.createElement("p");
        p.className = "field-error";
        p.id = id;
        p.textContent = b[1];
        // Where the function puts a field's message too: between label (and hint) and the
        // control; for a group, right after its legend.
        if (x.type === "radio") $("legend", x.closest("fieldset")).insertAdjacentElement("afterend", p);
        else (x.type === "checkbox" ? x.closest(".choice") || x : x).insertAdjacentElement("beforebegin", p);
        var field = x.closest(".field");
        if (field && x.type !== "radio" && x.type !== "checkbox") field.classList.add("has-error");
        x.setAttribute("aria-invalid", "true");
        x.setAttribute("aria-describedby", ((x.getAttribute("aria-describedby") || "") + " " + id).trim());
      });
      if (summary) {
        $("ul", summary).innerHTML = bad.map(function (b) {
          return '<li><a href="#' + esc(b[0].id) + '">' + esc(b[1]) + "</a></li>";
        }).join("");
        summary.hidden = false;
        summary.focus();
      } else bad[0][0].focus();
    });
    if (summary) summary.addEventListener("click", function (e) {
      var a = e.target.closest("a");
      if (!a) return;
      e.preventDefault();
      var t = d.getElementById(a.getAttribute("href").slice(1));
      if (t) { t.focus(); t.scrollIntoView({ block: "center" }); }
    });
  });
})();
