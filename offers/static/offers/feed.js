// Live offer feed: the server pushes cards for new, edited or reopened offers (an edited card
// replaces the one on screen) and removals for taken, withdrawn or expired ones. Card HTML is
// rendered (and escaped) by the server from the same partial as the page; nothing from the
// customer is inserted unescaped.
(function () {
  "use strict";
  const feed = document.getElementById("offer-feed");
  if (!feed || !feed.dataset.socket) return;
  const status = document.getElementById("feed-status");
  const empty = document.getElementById("feed-empty");
  const filter = feed.dataset;

  function passesFilters(card) {
    const d = card.dataset;
    if (filter.filterCategory && d.categoryId !== filter.filterCategory) return false;
    if (filter.filterDate && d.date !== filter.filterDate) return false;
    if (filter.filterMinPrice && Number(d.priceCents) < Number(filter.filterMinPrice)) return false;
    return true;
  }

  function findCard(id) {
    return feed.querySelector('[data-offer-id="' + Number(id) + '"]');
  }

  function refreshEmpty() {
    if (empty) empty.classList.toggle("d-none", feed.children.length > 0);
  }

  function show(data) {
    const template = document.createElement("template");
    template.innerHTML = data.html.trim();
    const card = template.content.firstElementChild;
    if (!card) return;
    const existing = findCard(data.id);
    if (!passesFilters(card)) {
      // An edit moved the offer out of this page's filters: never leave its old terms on screen.
      if (existing) existing.remove();
      return;
    }
    card.classList.add("card-highlight");
    window.Servizo.localizeTimes(card); // pushed cards are rendered in the site's zone, not this viewer's
    if (existing) existing.replaceWith(card);
    else feed.prepend(card);
  }

  function setStatus(text, css) {
    if (!status) return;
    status.textContent = text;
    status.className = "badge " + css;
  }

  window.Servizo.openSocket(
    feed.dataset.socket,
    (data) => {
      if (data.kind === "offer_published") show(data);
      else if (data.kind === "offer_removed") {
        const card = findCard(data.id);
        if (card) card.remove();
      }
      refreshEmpty();
    },
    (state) => {
      if (state === "connected") setStatus(gettext("Live"), "text-bg-success");
      else if (state === "reconnecting") setStatus(gettext("Reconnecting…"), "text-bg-warning");
      else setStatus(gettext("Live updates unavailable"), "text-bg-secondary");
    }
  );
})();
