/* django-momo admin: the progress of a payout batch that is sending, polled without reloading.
 *
 * The batch page renders the progress table (#momo-batch-progress) with the URL of its JSON
 * endpoint in data-url; while data-poll is "1" this asks it every data-interval milliseconds and
 * writes the counts and amounts into the table (text only, never HTML), and stops once every
 * payout is final. No inline script or handler: the page may run under a strict CSP.
 */
(function () {
  "use strict";
  var panel = document.getElementById("momo-batch-progress");
  if (!panel || panel.getAttribute("data-poll") !== "1") {
    return;
  }
  var url = panel.getAttribute("data-url");
  var interval = parseInt(panel.getAttribute("data-interval"), 10) || 2000;
  var failures = 0;

  function setText(id, value) {
    var node = document.getElementById(id);
    if (node) {
      node.textContent = String(value);
    }
  }

  function render(data) {
    setText("momo-progress-status", data.status_label);
    setText("momo-progress-final", data.final);
    setText("momo-progress-payouts", data.payouts);
    (data.statuses || []).forEach(function (entry) {
      var row = panel.querySelector('tr[data-status="' + entry.status + '"]');
      if (!row) {
        return;
      }
      row.querySelector(".momo-progress-count").textContent = String(entry.count);
      row.querySelector(".momo-progress-amount").textContent = entry.display || "";
    });
    panel.setAttribute("data-state", data.status);
    var done = document.getElementById("momo-progress-done");
    if (done) {
      done.hidden = !data.done;
    }
  }

  function poll() {
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        render(data);
        if (!data.done) {
          window.setTimeout(poll, interval);
        }
      })
      .catch(function () {
        // A lost connection or a restart: try again, less often, and give up after a while.
        failures += 1;
        if (failures < 30) {
          window.setTimeout(poll, interval * Math.min(failures + 1, 5));
        }
      });
  }

  window.setTimeout(poll, interval);
})();
