use super::*;

fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

fn action_for(screen: Screen, key: &KeyEvent) -> Option<Action> {
    Keymap::default().action_for(screen, key)
}

#[test]
fn keys_dispatch_per_screen() {
    let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
    assert_eq!(action_for(Screen::Stream, &q), Some(Action::Quit));
    assert_eq!(action_for(Screen::Timeline, &q), Some(Action::Back));
    assert_eq!(
        action_for(Screen::Prompt, &q),
        None,
        "typed into the prompt"
    );
    let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
    for &s in SCREENS {
        assert_eq!(action_for(s, &ctrl_c), Some(Action::Quit), "{s:?}");
    }
    assert_eq!(
        action_for(
            Screen::Stream,
            &press(KeyCode::Char('G'), KeyModifiers::SHIFT)
        ),
        Some(Action::Bottom)
    );
    assert_eq!(
        action_for(
            Screen::Stream,
            &press(KeyCode::Char('N'), KeyModifiers::NONE)
        ),
        Some(Action::PrevMatch)
    );
}

#[test]
fn back_can_be_rebound_though_the_help_has_two_bindings_of_it() {
    let map =
        Keymap::with(&[(Action::Back, vec!["x".to_string()])]).unwrap_or_else(|e| panic!("{e}"));
    let x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
    for screen in [Screen::Help, Screen::Dashboard, Screen::Detail] {
        assert_eq!(map.action_for(screen, &x), Some(Action::Back), "{screen:?}");
    }
    let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    assert_eq!(map.action_for(Screen::Help, &q), None);
    // Another action on the same key is still refused.
    let clash = Keymap::with(&[
        (Action::Back, vec!["x".to_string()]),
        (Action::Down, vec!["x".to_string()]),
    ]);
    assert!(clash.is_err());
}

#[test]
fn no_key_is_bound_twice_on_one_screen() {
    for &screen in SCREENS {
        let map = Keymap::default();
        let keys: Vec<Key> = map
            .help_for(screen)
            .flat_map(|b| b.keys.iter().copied())
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(k), "{screen:?}: {k:?} bound twice");
        }
    }
}
