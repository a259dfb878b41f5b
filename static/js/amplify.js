// Amplify buttons inline: each small form is sent with fetch and answered in
// JSON; the button toggles and the counts update without leaving the page.
// Without this file the same forms post normally and the page reloads with a
// message. Also: the "Copy the text" button of the share box.
(function () {
  "use strict";

  var status = document.querySelector("[data-amplify-status]");

  function say(text, isError) {
    if (!status) {
      return;
    }
    // The region is in the page from the start (empty), so screen readers announce changes.
    status.textContent = text;
    status.className = isError ? "message message--error" : "message";
  }

  function showCounts(answer) {
    if (answer.counts) {
      Object.keys(answer.counts).forEach(function (kind) {
        var cell = document.querySelector('[data-amplify-count="' + kind + '"]');
        if (cell) {
          cell.textContent = String(answer.counts[kind]);
        }
      });
    }
    if (typeof answer.people_pledged === "number") {
      var people = document.querySelector('[data-amplify-count="people"]');
      if (people) {
        people.textContent = String(answer.people_pledged);
      }
    }
  }

  function toggle(form, active) {
    var button = form.querySelector("button[type=submit]");
    var people = form.querySelector('input[name="people"]');
    form.action = active ? form.getAttribute("data-undo-url") : form.getAttribute("data-add-url");
    button.textContent = active
      ? form.getAttribute("data-undo-label")
      : form.getAttribute("data-add-label");
    button.classList.toggle("secondary", active);
    if (people) {
      people.readOnly = active;
    }
  }

  function send(form) {
    var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRFToken": token ? token.value : "",
      },
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          // A login page or an error page: let the browser show it.
          throw new Error("not JSON");
        }
        return response.json();
      })
      .then(function (answer) {
        button.disabled = false;
        if (answer.ok) {
          toggle(form, answer.active);
          showCounts(answer);
        }
        say(answer.message, !answer.ok);
      });
  }

  document.querySelectorAll("[data-amplify-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) {
        return;
      }
      event.preventDefault();
      send(form).catch(function () {
        // Whatever went wrong, the plain form still works.
        form.submit();
      });
    });
  });

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () {
        say(button.getAttribute("data-copied") || button.textContent + " ✓", false);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(source.value).then(done, function () {
          source.select();
        });
      } else {
        source.select();
        if (document.execCommand && document.execCommand("copy")) {
          done();
        }
      }
    });
  });
})();
