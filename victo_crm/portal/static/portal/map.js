/* The location map (Leaflet, from our static files). The address search comes first; the
   map is a second way to say where. Without tiles (no connection) the map stays grey but a
   pin can still be placed; without JavaScript the address field alone works. */
(function () {
  "use strict";
  var block = document.querySelector("[data-map]");
  if (!block || !window.L) { return; }
  var form = block.closest("form");
  var lat = form.querySelector("input[name=latitude]");
  var lon = form.querySelector("input[name=longitude]");
  var addressInput = form.querySelector("input[name=address_query]");
  var addressId = form.querySelector("input[name=address_id]");
  var live = document.getElementById("map-status");
  var EN = (document.documentElement.lang || "fr").slice(0, 2) === "en";
  var map = null, marker = null;
  var icon = L.icon({
    iconUrl: block.dataset.marker, iconRetinaUrl: block.dataset.marker2x, shadowUrl: block.dataset.shadow,
    iconSize: [25, 41], iconAnchor: [12, 41], shadowSize: [41, 41]
  });

  function fmt(x) { return Number(x).toFixed(5); }
  // A position as the page's language writes it (core.typography): "46,05750 ; -71,95690".
  function position(latlng) {
    var decimal = block.dataset.decimal || ".";
    return [latlng.lat, latlng.lng].map(function (x) { return fmt(x).replace(".", decimal); })
      .join(block.dataset.separator || ", ");
  }
  function place(latlng, fromAddress) {
    if (!map) { return; }
    if (marker) { marker.setLatLng(latlng); }
    else { marker = L.marker(latlng, { icon: icon, keyboard: false, alt: block.dataset.pin || (EN ? "Pin" : "Repère") }).addTo(map); }
    if (!fromAddress) {
      lat.value = fmt(latlng.lat); lon.value = fmt(latlng.lng);
      if (addressId) { addressId.value = ""; }
      if (addressInput) { addressInput.value = ""; }
      if (live) { live.textContent = (block.dataset.pinPlaced || "%(position)s").replace("%(position)s", position(latlng)); }
    }
  }
  function init() {
    if (map) { return; }
    var centre = [parseFloat(block.dataset.lat), parseFloat(block.dataset.lon)];
    map = L.map("map", { keyboard: true, zoomControl: false }).setView(centre, 14);
    // Leaflet's zoom buttons in the page's language ("Zoom avant", "Zoom arrière").
    L.control.zoom({ zoomInTitle: block.dataset.zoomIn || "Zoom in", zoomOutTitle: block.dataset.zoomOut || "Zoom out" }).addTo(map);
    if (block.dataset.tiles) {
      // The credit is the town's text (VICTO_MAP_TILE_ATTRIBUTION), shown as text, not HTML,
      // linked to its https page (VICTO_MAP_TILE_ATTRIBUTION_URL) when given.
      var creditUrl = block.dataset.tilesAttributionUrl || "";
      var credit = document.createElement(/^https:\/\//.test(creditUrl) ? "a" : "span");
      credit.textContent = block.dataset.tilesAttribution || "";
      if (credit.tagName === "A") { credit.href = creditUrl; }
      L.tileLayer(block.dataset.tiles, {
        maxZoom: parseInt(block.dataset.tilesMaxZoom, 10) || 19,
        attribution: credit.textContent ? credit.outerHTML : ""
      }).addTo(map);
    }
    map.on("click", function (e) { place(e.latlng, false); });
    if (lat.value && lon.value) { place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), true); map.setView([lat.value, lon.value], 17); }
  }
  block.addEventListener("toggle", function () { if (block.open) { init(); map.invalidateSize(); } });
  if (block.open) { init(); }

  var centreButton = block.querySelector("[data-map-centre]");
  if (centreButton) {
    centreButton.addEventListener("click", function () { init(); place(map.getCenter(), false); });
  }
  var geo = block.querySelector("[data-geolocate]");
  if (geo) {
    if (!navigator.geolocation) { geo.hidden = true; }
    geo.addEventListener("click", function () {
      // Asked for by the citizen, used once for this request only, never stored elsewhere.
      navigator.geolocation.getCurrentPosition(function (pos) {
        init();
        var here = L.latLng(pos.coords.latitude, pos.coords.longitude);
        map.setView(here, 17); place(here, false);
      }, function () {
        if (live) { live.textContent = EN ? "Your position is not available." : "Votre position n’est pas disponible."; }
      }, { timeout: 10000 });
    });
  }
  form.addEventListener("address:chosen", function (e) {
    lat.value = ""; lon.value = "";
    if (map && e.detail) { var p = L.latLng(e.detail.latitude, e.detail.longitude); place(p, true); map.setView(p, 17); }
  });
})();
