// The drawing pad's canvas (mnist_helpers.drawing_pad.DrawingCanvas), loaded by anywidget.
// Strokes are drawn here in the browser; after each stroke the picture goes to Python as a PNG data URL.
// The canvas itself stays transparent, so the strokes are its only opaque pixels: the ink is the alpha channel.
function render({ model, el }) {
  const canvas = document.createElement("canvas");
  canvas.width = model.get("size");
  canvas.height = model.get("size");
  canvas.className = "mnist-drawing-canvas";  // drawing_canvas.css: white paper behind a transparent canvas
  const ctx = canvas.getContext("2d");
  let drawing = false;
  let last = null;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    const x = (event.clientX - box.left) * canvas.width / box.width;
    return [x, (event.clientY - box.top) * canvas.height / box.height];
  };
  const stroke = (from, to) => {
    ctx.strokeStyle = "black";
    ctx.lineWidth = model.get("pen_width");
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
  };
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true;
    last = point(event);
    stroke(last, last);
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const next = point(event);
    stroke(last, next);
    last = next;
  });
  const finish = () => {
    if (!drawing) return;
    drawing = false;
    model.set("png_data_url", canvas.toDataURL("image/png"));
    model.save_changes();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  model.on("change:clear_count", () => ctx.clearRect(0, 0, canvas.width, canvas.height));
  el.appendChild(canvas);
}
export default { render };
