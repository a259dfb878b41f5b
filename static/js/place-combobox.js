// Type-ahead for every place box (issue #15): the text input beside a place
// select becomes an ARIA 1.2 combobox over /places/suggest.json. Choosing a
// suggestion sets the select to that place (adding it as an option when the
// select lists only the upper levels) and empties the text box, so the form
// sends the place's id, never an ambiguous name. A box searched by name
// alone (a day of action's "Find events by place name", no data-select-id)
// takes the chosen place's name instead. Without this script the text box is
// sent as typed and the server resolves it.
//
// Keyboard: Down/Up move through the suggestions, Enter chooses, Escape
// closes the list (a second Escape empties the box). Texts come from the
// input's data-* attributes, translated by the server.
(function () {
  "use strict";

  if (!window.fetch) {
    return;
  }
  var counter = 0;

  function enhance(input) {
    var select = input.dataset.selectId ? document.getElementById(input.dataset.selectId) : null;
    if ((input.dataset.selectId && !select) || !input.dataset.suggestUrl) {
      return;
    }
    counter += 1;
    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "place-combobox__list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var wrapper = document.createElement("span");
    wrapper.className = "place-combobox";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    wrapper.appendChild(list);
    wrapper.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var places = [];
    var active = -1;
    var timer = null;
    var pending = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll('[role="option"]');
      active = index;
      options.forEach(function (option, n) {
        option.setAttribute("aria-selected", n === index ? "true" : "false");
      });
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var place = places[index];
      if (!place) {
        return;
      }
      if (!select) {
        input.value = place.name;
        status.textContent = place.label;
        close();
        return;
      }
      var value = String(place.id);
      var option = Array.prototype.find.call(select.options, function (o) {
        return o.value === value;
      });
      if (!option) {
        option = new Option(place.label, value);
        select.appendChild(option);
      }
      if (select.multiple) {
        // A list of places covered: the chosen one joins those selected.
        option.selected = true;
      } else {
        select.value = value;
      }
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = "";
      status.textContent = place.label;
      close();
    }

    function show(found) {
      places = found;
      list.textContent = "";
      found.forEach(function (place, n) {
        var item = document.createElement("li");
        item.id = listId + "-" + n;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.dataset.placeId = String(place.id);
        var name = document.createElement("span");
        name.textContent = place.name;
        item.appendChild(name);
        if (place.inside.length) {
          var inside = document.createElement("span");
          inside.className = "place-combobox__inside";
          inside.textContent = " — " + place.inside.join(", ");
          item.appendChild(inside);
        }
        // mousedown, not click: the input's blur would close the list first.
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(n);
        });
        list.appendChild(item);
      });
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = input.dataset.textCount.replace("%(count)s", String(found.length));
      } else {
        close();
        status.textContent = input.dataset.textNone;
      }
      active = -1;
    }

    function suggest() {
      var query = input.value.trim();
      if (!query) {
        close();
        return;
      }
      if (pending) {
        pending.abort();
      }
      pending = new AbortController();
      fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        signal: pending.signal,
      })
        .then(function (response) {
          return response.ok ? response.json() : { places: [] };
        })
        .then(function (answer) {
          show(answer.places || []);
        })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, 150);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) {
          suggest();
        } else {
          highlight(Math.min(active + 1, places.length - 1));
        }
      } else if (event.key === "ArrowUp") {
        if (open) {
          event.preventDefault();
          highlight(Math.max(active - 1, 0));
        }
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          // Choosing is not sending the form.
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        } else {
          input.value = "";
        }
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("input[data-place-name]").forEach(enhance);
})();
