// Place picker (places/place_widget.html): type a city, pick one of the matches. Without this script
// the typed text is resolved on the server (one match is taken, several are offered in a list).
// Choosing a place sets the hidden id and fires "change" on it, so other scripts can follow it.
(function () {
  "use strict";
  document.querySelectorAll("[data-place-picker]").forEach(function (picker) {
    const text = picker.querySelector("[data-place-text]");
    const id = picker.querySelector("[data-place-id]");
    const results = picker.querySelector("[data-place-results]");
    if (!text || !id || id.tagName !== "INPUT" || !results) return; // a server-offered list stays as it is
    let timer = null;
    let request = 0;

    function close() {
      results.classList.add("d-none");
      results.replaceChildren();
    }

    function choose(place) {
      id.value = place.id;
      text.value = place.label;
      close();
      id.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(places) {
      results.replaceChildren();
      places.forEach(function (place) {
        const item = document.createElement("button");
        item.type = "button";
        item.className = "list-group-item list-group-item-action";
        item.textContent = place.label;
        item.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the text box
          choose(place);
        });
        results.appendChild(item);
      });
      results.classList.toggle("d-none", places.length === 0);
    }

    function search() {
      const query = text.value.trim();
      if (query.length < 2) return close();
      const mine = ++request;
      fetch(picker.dataset.searchUrl + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (mine === request) show(data.results); })
        .catch(close);
    }

    text.addEventListener("input", function () {
      if (id.value) {
        id.value = ""; // the text no longer names the chosen place
        id.dispatchEvent(new Event("change", { bubbles: true }));
      }
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    text.addEventListener("keydown", function (event) {
      if (event.key === "Escape") close();
      if (event.key === "Enter" && !results.classList.contains("d-none") && results.firstChild) {
        event.preventDefault();
        results.firstChild.dispatchEvent(new MouseEvent("mousedown"));
      }
    });
    text.addEventListener("blur", close);
  });
})();
