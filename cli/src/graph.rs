//! Dependency order of services, and the cycle that prevents one.

use std::collections::HashMap;

/// Names in an order where every name comes after what it depends on (ties keep the
/// given order), or the first cycle found, as a path that returns to its start.
pub fn order(deps: &[(String, Vec<String>)]) -> Result<Vec<String>, Vec<String>> {
    let index: HashMap<&str, usize> = deps
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.as_str(), i))
        .collect();
    // 0: not seen, 1: on the current path, 2: done.
    let mut state = vec![0u8; deps.len()];
    let mut out = Vec::with_capacity(deps.len());
    for start in 0..deps.len() {
        if state[start] != 0 {
            continue;
        }
        // An explicit stack: a chain of 10 000 services must not overflow.
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            let edges = &deps[node].1;
            if *next < edges.len() {
                let dep = edges[*next].as_str();
                *next += 1;
                let Some(&d) = index.get(dep) else { continue };
                match state[d] {
                    0 => {
                        state[d] = 1;
                        path.push((d, 0));
                    }
                    1 => {
                        // `d` depends, through the path, on itself.
                        let from = path.iter().position(|(n, _)| *n == d).unwrap_or(0);
                        let mut cycle: Vec<String> = path[from..]
                            .iter()
                            .map(|(n, _)| deps[*n].0.clone())
                            .collect();
                        cycle.push(deps[d].0.clone());
                        return Err(cycle);
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                out.push(deps[node].0.clone());
                path.pop();
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(edges: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        edges
            .iter()
            .map(|(n, d)| (n.to_string(), d.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn dependencies_come_first() {
        let o = order(&g(&[
            ("web", &["db", "cache"]),
            ("db", &[]),
            ("cache", &["db"]),
        ]))
        .unwrap();
        assert_eq!(o, ["db", "cache", "web"]);
    }

    #[test]
    fn cycles_are_named_from_where_they_close() {
        let e = order(&g(&[("a", &["b"]), ("b", &["c"]), ("c", &["b"])])).unwrap_err();
        assert_eq!(e, ["b", "c", "b"]);
    }

    #[test]
    fn a_deep_chain_does_not_overflow() {
        let n = 20_000;
        let deps: Vec<(String, Vec<String>)> = (0..n)
            .map(|i| {
                let d = if i + 1 < n {
                    vec![format!("s{}", i + 1)]
                } else {
                    vec![]
                };
                (format!("s{i}"), d)
            })
            .collect();
        let o = order(&deps).unwrap();
        assert_eq!(o.first().unwrap(), &format!("s{}", n - 1));
        assert_eq!(o.last().unwrap(), "s0");
    }
}
