// Offer form: show the chosen category's suggested price under the category field.
(function () {
  "use strict";
  const select = document.querySelector("#offer-form select[name=category]");
  const hint = document.getElementById("price-hint");
  if (!select || !hint) return;
  function update() {
    const option = select.options[select.selectedIndex];
    const price = option && option.dataset.suggestedPrice;
    hint.textContent = price ? interpolate(gettext("Typical price for this category: %s"), [price]) : "";
  }
  select.addEventListener("change", update);
  update();
})();

// Offer form: before publishing, how many providers in the chosen trade serve the chosen place.
(function () {
  "use strict";
  const form = document.getElementById("offer-form");
  const reach = document.getElementById("place-reach");
  if (!form || !reach) return;
  function update() {
    const category = form.querySelector("[name=category]");
    const place = form.querySelector("[name=place]");
    if (!category || !place || !category.value || !place.value) {
      reach.replaceChildren();
      return;
    }
    const query = new URLSearchParams({ category: category.value, place: place.value });
    fetch(reach.dataset.url + "?" + query, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        reach.className = "alert small " + (data.count ? "alert-success" : "alert-warning");
        reach.textContent = data.message;
      })
      .catch(function () {});
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "category" || event.target.name === "place") update();
  });
  update();
})();
