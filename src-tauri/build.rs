fn main() {
    // The window's files are built from ui/ by Vite and embedded at compile time.
    let dist = std::path::Path::new("ui/dist/index.html");
    if !dist.exists() {
        panic!(
            "the console's web UI is not built: run `npm install && npm run build` in ui/ \
             (the README's commands do this)"
        );
    }
    tauri_build::build()
}
