// Send the CSRF token with every HTMX request that changes something.
document.addEventListener("htmx:configRequest", function (event) {
  var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) {
    event.detail.headers["x-csrftoken"] = decodeURIComponent(match[1]);
  }
});

// --- placements: competence type-ahead (issue 3) ---
// A competence field marked data-suggest asks /competences/suggest for its value as ?q=;
// choosing a suggestion button puts its code in the field. Without JavaScript the field
// takes a code or a name and the server maps it.
document.addEventListener("htmx:configRequest", function (event) {
  var field = event.detail.elt;
  if (field && field.hasAttribute && field.hasAttribute("data-suggest")) {
    event.detail.parameters = { q: field.value };
  }
});
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("button[data-suggest-code]") : null;
  var list = button ? button.closest("[data-suggest-for]") : null;
  var field = list ? document.getElementById(list.getAttribute("data-suggest-for")) : null;
  if (!field) {
    return;
  }
  event.preventDefault();
  field.value = button.getAttribute("data-suggest-code");
  list.innerHTML = "";
  field.focus();
});

// --- Reflow (WCAG 1.4.10): tables scroll in their own region; the navigation folds away ---
// Each table in main goes into a div.table-region (CSS lets it scroll sideways). A region
// that does scroll becomes focusable (keyboard users scroll it with the arrow keys) and is
// named after the table's caption or the nearest heading before it; the table keeps its own
// role. The names come from the page, so there is nothing here to translate.
function tableName(table) {
  var label = table.getAttribute("aria-label") || (table.caption && table.caption.textContent);
  if (!label) {
    var headings = document.querySelectorAll("h1, h2, h3, h4, h5, h6");
    for (var i = headings.length - 1; i >= 0 && !label; i--) {
      if (headings[i].compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING) {
        label = headings[i].textContent;
      }
    }
  }
  return (label || "").replace(/\s+/g, " ").trim();
}

function wrapTables() {
  var tables = document.querySelectorAll("main table");
  Array.prototype.forEach.call(tables, function (table) {
    var parent = table.parentNode;
    if (parent.classList && parent.classList.contains("table-region")) {
      return;
    }
    var region = document.createElement("div");
    region.className = "table-region";
    parent.insertBefore(region, table);
    region.appendChild(table);
  });
  markScrollingTables();
}

// The names of the page's other regions (a section named by its heading is one), lower case.
function regionNames(except) {
  var regions = document.querySelectorAll(
    "section[aria-label], section[aria-labelledby], [role='region']"
  );
  return Array.prototype.map.call(regions, function (region) {
    if (region === except) {
      return "";
    }
    var ids = (region.getAttribute("aria-labelledby") || "").split(/\s+/);
    var label = ids.map(function (id) {
      var element = id && document.getElementById(id);
      return element ? element.textContent : "";
    }).join(" ");
    return (label.trim() ? label : region.getAttribute("aria-label") || "")
      .replace(/\s+/g, " ").trim().toLowerCase();
  });
}

function markScrollingTables() {
  var regions = document.querySelectorAll(".table-region");
  Array.prototype.forEach.call(regions, function (region) {
    var table = region.querySelector("table");
    if (table && region.scrollWidth > region.clientWidth + 1) {
      var name = tableName(table);
      region.setAttribute("tabindex", "0");
      if (name) {
        region.setAttribute("aria-label", name);
      }
      // A landmark needs a name, and a unique one: when a region (the table's section, or
      // another table under the same heading) has this name already, this one is a group.
      var taken = !name || regionNames(region).indexOf(name.toLowerCase()) !== -1;
      region.setAttribute("role", taken ? "group" : "region");
    } else {
      region.removeAttribute("tabindex");
      region.removeAttribute("role");
      region.removeAttribute("aria-label");
    }
  });
}

// The header's navigation: on a narrow screen a Menu button (its text from the nav's
// data-menu-label, translated in the template) shows and hides the list.
function setUpMenu() {
  var nav = document.querySelector("nav[data-menu-label]");
  var list = nav ? nav.querySelector("ul") : null;
  if (!list || nav.querySelector(".menu-button")) {
    return;
  }
  list.id = list.id || "main-menu";
  var button = document.createElement("button");
  button.type = "button";
  button.className = "menu-button";
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", list.id);
  var icon = document.createElement("span");
  icon.className = "menu-button-icon";
  icon.setAttribute("aria-hidden", "true");
  button.appendChild(icon);
  button.appendChild(document.createTextNode(nav.getAttribute("data-menu-label")));
  nav.insertBefore(button, list);
  nav.classList.add("has-menu");

  function open(state) {
    button.setAttribute("aria-expanded", state ? "true" : "false");
  }
  button.addEventListener("click", function () {
    open(button.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      open(false);
      button.focus();
    }
  });
  // Tabbing or clicking out of the navigation closes the list.
  nav.addEventListener("focusout", function (event) {
    if (event.relatedTarget && !nav.contains(event.relatedTarget)) {
      open(false);
    }
  });
  document.addEventListener("click", function (event) {
    if (!nav.contains(event.target)) {
      open(false);
    }
  });
}

setUpMenu();
wrapTables();
document.addEventListener("htmx:load", wrapTables);
window.addEventListener("load", markScrollingTables);
var reflowPending = false;
window.addEventListener("resize", function () {
  if (!reflowPending) {
    reflowPending = true;
    window.requestAnimationFrame(function () {
      reflowPending = false;
      markScrollingTables();
    });
  }
});

// --- Error summaries list the errors in the order of the fields on the page ---
// The server lists them in the order it checked them; the links are put in the order of the
// fields they point to. The summary itself takes focus (autofocus) when the page opens.
function orderErrorSummary(summary) {
  var list = summary.querySelector("ul");
  if (!list) {
    return;
  }
  var items = Array.prototype.slice.call(list.children);
  var target = function (item) {
    var link = item.querySelector("a[href^='#']");
    return link ? document.getElementById(link.getAttribute("href").slice(1)) : null;
  };
  items.sort(function (a, b) {
    var first = target(a);
    var second = target(b);
    if (!first || !second || first === second) {
      return 0;
    }
    return first.compareDocumentPosition(second) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  });
  items.forEach(function (item) {
    list.appendChild(item);
  });
}
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll(".error-summary").forEach(orderErrorSummary);
});
