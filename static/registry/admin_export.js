// The export page's "Select all" box, bound here because the Content-Security-Policy refuses
// inline event handlers. onSelectToggleChange comes from django-import-export's
// export_selectable_fields.js, loaded before this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".select-toggle");
  if (toggle && typeof onSelectToggleChange === "function") {
    toggle.addEventListener("change", onSelectToggleChange);
  }
});
