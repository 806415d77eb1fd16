/* The admin's behaviour: confirmations, select-all, and the filter rows.
   Loaded as a file (never inline) so pages work under a strict Content-Security-Policy;
   everything it reads is in data- attributes the templates write. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function checkedRows(formId) {
    return document.querySelectorAll('input[name="rowid"][form="' + formId + '"]:checked');
  }

  // Ask before deleting or running a bulk action; refuse an action on no rows.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm], button[data-needs-selection]");
    if (!button) {
      return;
    }
    var needs = button.getAttribute("data-needs-selection");
    var formId = button.getAttribute("form");
    if (needs && formId && checkedRows(formId).length === 0) {
      window.alert(needs);
      event.preventDefault();
      return;
    }
    var question = button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // The header checkbox selects every row checkbox.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches("input[data-select-all]")) {
      var name = box.getAttribute("data-select-all");
      document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (row) {
        row.checked = box.checked;
      });
    }
  });

  var INPUT_TYPES = {
    datepicker: "date",
    datetimepicker: "datetime-local",
    timepicker: "time"
  };

  function valueControl(option, oldControl) {
    var choices = option.getAttribute("data-options");
    var control;
    if (choices) {
      control = document.createElement("select");
      JSON.parse(choices).forEach(function (pair) {
        var item = document.createElement("option");
        item.value = pair[0];
        item.textContent = pair[1];
        control.appendChild(item);
      });
    } else {
      control = document.createElement("input");
      var type = INPUT_TYPES[option.getAttribute("data-type")];
      if (type) {
        control.type = type;
        control.step = "1";
      }
      if (oldControl && oldControl.tagName === "INPUT") {
        control.value = oldControl.value;
      }
    }
    control.className = "admin-input";
    control.setAttribute("data-filter-value", "");
    control.setAttribute("aria-label", oldControl ? oldControl.getAttribute("aria-label") : "Value");
    return control;
  }

  function replaceValueControl(row) {
    var select = row.querySelector("select[data-filter-op]");
    var old = row.querySelector("[data-filter-value]");
    var option = select.options[select.selectedIndex];
    if (!option) {
      return;
    }
    var control = valueControl(option, old);
    old.parentNode.replaceChild(control, old);
  }

  // Filter inputs are named flt<position>_<filter> when the form is sent.
  function renameFilters(form) {
    form.querySelectorAll(".admin-filter-row").forEach(function (row, position) {
      var select = row.querySelector("select[data-filter-op]");
      var value = row.querySelector("[data-filter-value]");
      if (select && value) {
        value.name = "flt" + position + "_" + select.value;
      }
    });
  }

  onReady(function () {
    var form = document.getElementById("admin-filters");
    if (!form) {
      return;
    }
    var rows = form.querySelector("[data-filter-rows]");
    var template = form.querySelector("template[data-filter-template]");

    document.querySelectorAll("[data-add-filter]").forEach(function (button) {
      button.addEventListener("click", function () {
        var row = template.content.firstElementChild.cloneNode(true);
        rows.appendChild(row);
        replaceValueControl(row);
        form.classList.remove("admin-filters-empty");
        row.querySelector("[data-filter-value]").focus();
      });
    });

    form.addEventListener("change", function (event) {
      if (event.target.matches("select[data-filter-op]")) {
        replaceValueControl(event.target.closest(".admin-filter-row"));
      }
    });

    form.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-remove-filter]");
      if (remove) {
        remove.closest(".admin-filter-row").remove();
        renameFilters(form);
        form.submit();
      }
    });

    form.addEventListener("submit", function () {
      renameFilters(form);
    });
  });
})();
