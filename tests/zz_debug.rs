use chartdesk::tui::{App, TuiOptions};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE));
}
#[test]
fn dbg() {
    let store =
        chartdesk::store::Store::open_or_create(std::path::Path::new("/tmp/tuidemo/copy.db"))
            .unwrap();
    let mut app = App::new(store, TuiOptions::default()).unwrap();
    for c in "coder".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Tab);
    for c in "coder-demo".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('w'));
    eprintln!("A {:?} {:?}", app.screen(), app.status());

    press(&mut app, KeyCode::Enter);
    eprintln!("B {:?} {:?}", app.screen(), app.status());
    app.tick();
    eprintln!("C {:?} {:?}", app.screen(), app.status());
}
