// The drawing pad's "Upload photo" button (mnist_helpers.drawing_pad.PhotoUpload), loaded by anywidget.
// The browser reads the chosen file, shrinks it to at most `max_side` pixels a side (upright, as its EXIF
// orientation says) and sends only that small PNG or JPEG to Python, with a new serial number each time.
function render({ model, el }) {
  const input = document.createElement("input");
  input.type = "file";
  input.accept = "image/*";
  input.style.display = "none";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Upload photo";
  button.className = "jupyter-widgets jupyter-button widget-button";
  button.title = "A photo or scan of one digit, any size: it is shrunk in your browser before it is sent";
  button.addEventListener("click", () => input.click());
  const send = (photo) => {
    // A new serial number every time, so Python hears about the same photo chosen twice.
    const serial = ((model.get("photo") || {}).serial || 0) + 1;
    model.set("photo", { ...photo, serial });
    model.save_changes();
  };
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    input.value = "";  // forget the choice: choosing the same file again fires "change" again
    if (!file) return;
    const url = URL.createObjectURL(file);
    const image = new Image();
    image.onload = () => {
      URL.revokeObjectURL(url);
      // naturalWidth/naturalHeight and drawImage follow the EXIF orientation (CSS image-orientation: from-image).
      const width = image.naturalWidth;
      const height = image.naturalHeight;
      const scale = Math.min(1, model.get("max_side") / Math.max(width, height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      const ctx = canvas.getContext("2d");
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
      let dataUrl = canvas.toDataURL("image/png");  // lossless, keeps transparency
      if (dataUrl.length > model.get("max_png_chars")) {  // a photo: as JPEG on white paper it is far smaller
        ctx.globalCompositeOperation = "destination-over";
        ctx.fillStyle = "white";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        dataUrl = canvas.toDataURL("image/jpeg", 0.92);
      }
      send({ name: file.name, bytes: file.size, width, height, data_url: dataUrl });
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      send({ name: file.name, bytes: file.size, error: "your browser cannot read it as an image" });
    };
    image.src = url;
  });
  el.append(button, input);
}
export default { render };
