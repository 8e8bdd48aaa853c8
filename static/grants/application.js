/* Fondas application form, step 3 (budget): the totals (eligible costs, grant
 * requested, own contribution) follow what is typed, by the same rule as the
 * server (grants.services.financing): amounts in cents, grant = eligible × rate,
 * rounded half-up to the cent once, capped by the maximum grant; own
 * contribution = eligible − grant. The server computes them again on save and
 * its figures are the ones shown after the page reloads.
 * The new totals are announced in the page's one polite live region, once the
 * typing has paused (debounced), and only when they changed.
 * Texts come from Django's JavaScript catalogue (gettext, interpolate). */
(function () {
  "use strict";

  var DEBOUNCE_MS = 800;

  var gettext =
    typeof window.gettext === "function"
      ? window.gettext
      : function (text) {
          return text;
        };
  var fill =
    typeof window.interpolate === "function"
      ? window.interpolate
      : function (format, values) {
          return format.replace(/%\(\w+\)s/g, function (name) {
            return values[name.slice(2, -2)];
          });
        };

  function language() {
    return (document.documentElement.lang || "lt").slice(0, 2);
  }

  // "1 234,56" (lt) or "1,234.56" (en) → cents as a BigInt; null when not an amount.
  function parseCents(text, lang) {
    var raw = String(text || "")
      .replace(/€|eur/gi, "")
      .replace(/[\s\u00a0\u202f\u2009]/g, "");
    if (!raw) return BigInt(0);
    if (lang === "en") {
      if (/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(raw)) raw = raw.replace(/,/g, "");
      else if (raw.indexOf(",") !== -1) return null;
    } else {
      if (raw.indexOf(",") !== -1 && raw.indexOf(".") !== -1) return null;
      raw = raw.replace(",", ".");
    }
    var match = /^(\d*)(?:\.(\d{0,2}))?$/.exec(raw);
    if (!match || (match[1] === "" && !match[2])) return null;
    var cents = ((match[2] || "") + "00").slice(0, 2);
    return BigInt(match[1] || "0") * BigInt(100) + BigInt(cents);
  }

  // "70.00" → basis points (7000) as a BigInt.
  function parseRate(text) {
    var match = /^(\d+)(?:\.(\d{0,2}))?$/.exec(String(text || "0").trim());
    if (!match) return BigInt(0);
    return BigInt(match[1]) * BigInt(100) + BigInt(((match[2] || "") + "00").slice(0, 2));
  }

  function formatCents(cents, lang) {
    var negative = cents < 0;
    if (negative) cents = -cents;
    var whole = (cents / BigInt(100)).toString();
    var part = (cents % BigInt(100)).toString().padStart(2, "0");
    var separator = lang === "en" ? "," : " ";
    var grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
    var sign = negative ? "−" : "";
    return lang === "en" ? sign + "€" + grouped + "." + part : sign + grouped + "," + part + " €";
  }

  function compute(form) {
    var lang = language();
    var eligible = BigInt(0);
    var valid = true;
    form.querySelectorAll("input[data-line]").forEach(function (input) {
      var cents = parseCents(input.value, lang);
      if (cents === null) valid = false;
      else eligible += cents;
    });
    if (!valid) return null;
    var rate = parseRate(form.dataset.rate);
    var maxGrant = parseCents(form.dataset.maxGrant, "en") || BigInt(0);
    // Half-up to the cent: (eligible × basis points + 5000) ÷ 10000, in integers.
    var grant = (eligible * rate + BigInt(5000)) / BigInt(10000);
    if (grant > maxGrant) grant = maxGrant;
    return { eligible: eligible, grant: grant, own: eligible - grant };
  }

  function setup(form) {
    var region = form.querySelector("[data-live]");
    var timer = null;
    var lastSaid = "";

    function update() {
      var totals = compute(form);
      var lang = language();
      if (!totals) return null;
      var texts = {
        eligible: formatCents(totals.eligible, lang),
        grant: formatCents(totals.grant, lang),
        own: formatCents(totals.own, lang),
      };
      Object.keys(texts).forEach(function (key) {
        var output = form.querySelector('[data-total="' + key + '"]');
        if (output) output.textContent = texts[key];
      });
      return texts;
    }

    function announce() {
      var texts = update();
      var sentence = texts
        ? fill(
            gettext("Eligible costs %(eligible)s, grant requested %(grant)s, own contribution %(own)s."),
            texts,
            true
          )
        : gettext("The totals cannot be computed until every amount is valid.");
      if (!region || sentence === lastSaid) return;
      lastSaid = sentence;
      region.textContent = "";
      window.setTimeout(function () {
        region.textContent = sentence;
      }, 100);
    }

    form.addEventListener("input", function (event) {
      if (!event.target.matches("input[data-line]")) return;
      update();
      window.clearTimeout(timer);
      timer = window.setTimeout(announce, DEBOUNCE_MS);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-budget]").forEach(setup);
  });
})();
