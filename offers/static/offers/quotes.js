// The customer's offer page: when a quote arrives or changes, the server says so on the user's
// notification socket (`quotes_changed`) and the list is reloaded from the server, so what the page
// shows is always what a reload would show (the server renders and escapes it).
(function () {
  "use strict";
  const panel = document.getElementById("quotes-panel");
  if (!panel || !window.Servizo) return;

  window.Servizo.handlers.quotes_changed = async (data) => {
    if (Number(data.offer_id) !== Number(panel.dataset.offerId)) return;
    const response = await fetch(panel.dataset.quotesUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    panel.innerHTML = await response.text();
    panel.classList.add("card-highlight");
  };
})();
