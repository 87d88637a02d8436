/* Leaflet maps of the desk: one request's position, or the clustered filtered requests. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  // Base tiles when a tile server is configured (VICTO_MAP_TILE_URL, OpenStreetMap's by
  // default); without them the markers and zone outlines are drawn on a plain background.
  // The credit is the town's text, shown as text, linked to its https page when given.
  function credit(element) {
    var link = document.createElement(/^https:\/\//.test(element.dataset.tilesAttributionUrl || "") ? "a" : "span");
    link.textContent = element.dataset.tilesAttribution || "";
    if (link.tagName === "A") { link.href = element.dataset.tilesAttributionUrl; }
    return link.textContent ? link.outerHTML : "";
  }
  function maxZoom(element) {
    return parseInt(element.dataset.tilesMaxZoom, 10) || 19;
  }
  function baseLayer(map, element) {
    var url = element.dataset.tiles || "";
    if (!url) { return; }
    L.tileLayer(url, { maxZoom: maxZoom(element), attribution: credit(element) }).addTo(map);
  }

  // Leaflet's zoom buttons in the page's language (core/templatetags/maps.py).
  function zoomButtons(map, element) {
    L.control.zoom({
      zoomInTitle: element.dataset.zoomIn || "Zoom in", zoomOutTitle: element.dataset.zoomOut || "Zoom out"
    }).addTo(map);
  }

  var single = document.getElementById("request-map");
  if (single) {
    var lat = parseFloat(single.dataset.lat), lon = parseFloat(single.dataset.lon);
    var small = L.map(single, { scrollWheelZoom: false, zoomControl: false, maxZoom: maxZoom(single) }).setView([lat, lon], 16);
    zoomButtons(small, single);
    baseLayer(small, single);
    L.circleMarker([lat, lon], { radius: 9, color: "#00558c", weight: 3, fillOpacity: 0.6 }).addTo(small);
  }

  var element = document.getElementById("queue-map");
  if (!element) { return; }
  var status = document.getElementById("map-status");
  // markercluster needs the map's maxZoom, which a tile layer would otherwise give.
  var map = L.map(element, { zoomControl: false, maxZoom: maxZoom(element) }).setView([46.057, -71.958], 12);
  zoomButtons(map, element);
  baseLayer(map, element);
  var zonesData = document.getElementById("map-zones");
  if (zonesData) {
    JSON.parse(zonesData.textContent).forEach(function (zone) {
      L.geoJSON(zone.geometry, { style: { color: "#474e57", weight: 1, fillOpacity: 0.04 } })
        .bindTooltip(zone.name).addTo(map);
    });
  }
  var cluster = L.markerClusterGroup();
  fetch(element.dataset.points, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (payload) {
      var bounds = [];
      payload.points.forEach(function (p) {
        var marker = L.marker([p.lat, p.lon], { title: p.label, alt: p.label, keyboard: true });
        marker.on("click", function () { window.location.href = p.url; });
        marker.on("keypress", function (e) { if (e.originalEvent.key === "Enter") { window.location.href = p.url; } });
        cluster.addLayer(marker);
        bounds.push([p.lat, p.lon]);
      });
      map.addLayer(cluster);
      if (bounds.length) { map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] }); }
      var shown = payload.points.length + (payload.truncated ? "+" : "");
      status.textContent = element.dataset.countLabel.replace("%s", shown);
    })
    .catch(function (error) {
      status.textContent = element.dataset.errorLabel;
      if (window.console) { console.error(error); }
    });
})();
