/* Screening page, progressive enhancement: the disease select shows its own fields and guidelines at once.
   Reads its data from the JSON element "screening-data" (json_script). */
(function () {
  "use strict";
  var source = document.getElementById("screening-data");
  var form = document.querySelector("form.screening-form");
  if (!source || !form) { return; }
  var data = JSON.parse(source.textContent);
  var disease = form.elements["disease"], guideline = form.elements["guideline"];
  document.querySelectorAll("[data-js-hide]").forEach(function (e) { e.hidden = true; });
  disease.addEventListener("change", function () {
    var chosen = disease.value;
    form.querySelectorAll("fieldset[data-diseases]").forEach(function (fs) {
      var mine = fs.dataset.diseases.split(" ").indexOf(chosen) >= 0;
      fs.hidden = chosen !== "" && !mine;
      var details = fs.querySelector("details");
      if (details) { details.open = mine; }
    });
    var codes = chosen ? data.guidelines[chosen] : Object.keys(data.titles);
    var current = guideline.value;
    guideline.innerHTML = "";
    guideline.add(new Option(data.default_label, ""));
    codes.forEach(function (code) { guideline.add(new Option(data.titles[code] + " [" + code + "]", code)); });
    guideline.value = codes.indexOf(current) >= 0 ? current : "";
  });
})();
