// The booking page of a booking awaiting payment: when the customer pays, the server pushes
// {kind: "booking_paid", booking_id} to both parties' notification sockets (on commit); the page then
// reloads, so what it shows is what the server renders (status, escrow, actions).
(function () {
  "use strict";
  const S = window.Servizo;
  const panel = document.querySelector("[data-booking-live]");
  if (!S || !panel) return;
  S.handlers.booking_paid = (data) => {
    if (String(data.booking_id) === panel.dataset.bookingLive) window.location.reload();
  };
})();
