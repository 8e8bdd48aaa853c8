/* Fondas reports pages.
 * List: rows of queued or running jobs poll GET /api/v1/reports/{id}/ about every
 * two seconds and move their progress bar; a row that has finished is replaced by
 * the server's rendering of it (download link or error and Retry). Without
 * scripts the page shows the state at load time and a refresh link.
 * One polite live region ([data-live]) says, once per change, that a report has
 * started, is ready or has failed; progress ticks are not announced.
 * Form: only the chosen report kind's parameter fields are shown.
 * Texts come from Django's JavaScript catalogue (gettext, interpolate), loaded
 * before this file; the status labels are the server's (reports.models). */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var MAX_BACKOFF_MS = 30000;
  var PENDING = { queued: true, running: true };

  // Without the catalogue (it failed to load) the page still works, in English.
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

  // The same labels as ReportJobStatus on the server.
  var STATUS_LABELS = {
    queued: gettext("Queued"),
    running: gettext("Running"),
    succeeded: gettext("Succeeded"),
    failed: gettext("Failed"),
  };

  function announcement(status, id) {
    var format = {
      running: gettext("Report %(id)s is being rendered."),
      succeeded: gettext("Report %(id)s is ready."),
      failed: gettext("Report %(id)s could not be rendered."),
    }[status];
    return format ? fill(format, { id: id }, true) : "";
  }

  // Status changes seen in one round of polling, said together in the one live region.
  function announce(messages) {
    var region = document.querySelector("[data-live]");
    if (!region || !messages.length) return;
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = messages.join(" ");
    }, 100);
  }

  function noteChange(row, status, messages) {
    var before = row.getAttribute("data-announced") || row.getAttribute("data-job-status");
    if (status === before) return;
    row.setAttribute("data-announced", status);
    var text = announcement(status, row.getAttribute("data-job-id") || "");
    if (text) messages.push(text);
  }

  function pendingRows() {
    return Array.prototype.filter.call(document.querySelectorAll("tr[data-job-api]"), function (row) {
      return PENDING[row.getAttribute("data-job-status")];
    });
  }

  function showProgress(row, job) {
    var bar = row.querySelector(".progress");
    if (bar) {
      bar.setAttribute("aria-valuenow", String(job.progress));
      bar.firstElementChild.style.width = job.progress + "%";
    }
    var percent = row.querySelector("[data-role=percent]");
    if (percent) percent.textContent = job.progress + " %";
    var badge = row.querySelector("[data-role=status]");
    if (badge) {
      badge.textContent = STATUS_LABELS[job.status] || job.status_display;
      badge.className = "badge badge-" + job.status;
    }
    // A finished row keeps its pending state until the server's rendering of it
    // has replaced it, so that a failed replacement is tried again.
    if (PENDING[job.status]) row.setAttribute("data-job-status", job.status);
  }

  function fetchJob(row) {
    return fetch(row.getAttribute("data-job-api"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  // Finished rows are re-read from the page itself, so that the download link,
  // the error text and the Retry form (with its CSRF token) come from the server.
  function replaceFinishedRows(finished) {
    if (!finished.length) return Promise.resolve();
    return fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        finished.forEach(function (item) {
          var fresh = doc.getElementById(item.row.id);
          if (fresh) {
            item.row.replaceWith(document.importNode(fresh, true));
          } else {
            // Newer jobs pushed it off this page: show the state, stop polling it.
            item.row.setAttribute("data-job-status", item.status);
            var bar = item.row.querySelector(".progress");
            if (bar) bar.remove();
          }
        });
      });
  }

  function startPolling() {
    var hint = document.getElementById("report-jobs-refresh");
    if (!pendingRows().length) return;
    if (hint && hint.getAttribute("data-polling-text")) hint.textContent = hint.getAttribute("data-polling-text");
    var delay = POLL_MS;

    function tick() {
      if (document.hidden) {
        window.setTimeout(tick, POLL_MS);
        return;
      }
      var rows = pendingRows();
      var finished = [];
      var changes = [];
      var failures = 0;
      Promise.all(
        rows.map(function (row) {
          return fetchJob(row).then(
            function (job) {
              noteChange(row, job.status, changes);
              showProgress(row, job);
              if (!PENDING[job.status]) finished.push({ row: row, status: job.status });
            },
            function () {
              failures += 1;
            }
          );
        })
      )
        .then(function () {
          announce(changes);
          return replaceFinishedRows(finished);
        })
        .catch(function () {
          failures += 1;
        })
        .then(function () {
          if (!pendingRows().length) {
            if (hint) hint.hidden = true;
            return;
          }
          // Back off while the server does not answer; resume the pace when it does.
          delay = failures ? Math.min(delay * 2, MAX_BACKOFF_MS) : POLL_MS;
          window.setTimeout(tick, delay);
        });
    }

    window.setTimeout(tick, POLL_MS);
  }

  function initKindFields() {
    var form = document.querySelector("form[data-report-form]");
    if (!form) return;
    var kind = form.querySelector("select[name=kind]");
    if (!kind) return;
    var groups = form.querySelectorAll("[data-kinds]");
    var hints = form.querySelectorAll(".kinds-hint");
    Array.prototype.forEach.call(hints, function (hint) {
      hint.hidden = true;
    });

    function sync() {
      Array.prototype.forEach.call(groups, function (group) {
        var kinds = group.getAttribute("data-kinds").split(" ");
        group.hidden = kinds.indexOf(kind.value) === -1;
      });
    }

    kind.addEventListener("change", sync);
    sync();
  }

  function init() {
    startPolling();
    initKindFields();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
