//! Least squares by Nelder-Mead simplex search: robust for the few parameters of the cost curves,
//! whose `max(floor, ...)` makes the objective non-smooth. Deterministic: fixed starts, fixed
//! coefficients.

/// The best point found and its objective value.
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
}

fn eval(f: &dyn Fn(&[f64]) -> f64, x: &[f64]) -> f64 {
    let v = f(x);
    if v.is_finite() { v } else { f64::INFINITY }
}

/// Minimises `f` from `x0` with an initial simplex of `step` along each axis.
pub fn nelder_mead(f: &dyn Fn(&[f64]) -> f64, x0: &[f64], step: f64, max_iter: usize) -> Minimum {
    let n = x0.len();
    let mut pts: Vec<Vec<f64>> = vec![x0.to_vec()];
    for i in 0..n {
        let mut p = x0.to_vec();
        p[i] += step;
        pts.push(p);
    }
    let mut vals: Vec<f64> = pts.iter().map(|p| eval(f, p)).collect();
    for _ in 0..max_iter {
        let mut order: Vec<usize> = (0..=n).collect();
        order.sort_by(|&a, &b| vals[a].total_cmp(&vals[b]));
        pts = order.iter().map(|&i| pts[i].clone()).collect();
        vals = order.iter().map(|&i| vals[i]).collect();
        let spread = (vals[n] - vals[0]).abs();
        if spread <= 1e-15 * (1.0 + vals[0].abs()) {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| pts[..n].iter().map(|p| p[j]).sum::<f64>() / n as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            (0..n)
                .map(|j| centroid[j] + t * (pts[n][j] - centroid[j]))
                .collect()
        };
        let xr = along(-1.0);
        let fr = eval(f, &xr);
        if fr < vals[0] {
            let xe = along(-2.0);
            let fe = eval(f, &xe);
            if fe < fr {
                (pts[n], vals[n]) = (xe, fe);
            } else {
                (pts[n], vals[n]) = (xr, fr);
            }
        } else if fr < vals[n - 1] {
            (pts[n], vals[n]) = (xr, fr);
        } else {
            let xc = along(0.5);
            let fc = eval(f, &xc);
            if fc < vals[n] {
                (pts[n], vals[n]) = (xc, fc);
            } else {
                for i in 1..=n {
                    let p: Vec<f64> = (0..n)
                        .map(|j| pts[0][j] + 0.5 * (pts[i][j] - pts[0][j]))
                        .collect();
                    vals[i] = eval(f, &p);
                    pts[i] = p;
                }
            }
        }
    }
    let best = (0..=n)
        .min_by(|&a, &b| vals[a].total_cmp(&vals[b]))
        .unwrap_or(0);
    Minimum {
        x: pts[best].clone(),
        value: vals[best],
    }
}

/// Runs Nelder-Mead from every start, then polishes the best point twice with smaller simplices.
pub fn minimize(f: &dyn Fn(&[f64]) -> f64, starts: &[Vec<f64>]) -> Minimum {
    let mut best = Minimum {
        x: starts.first().cloned().unwrap_or_default(),
        value: f64::INFINITY,
    };
    for s in starts {
        let m = nelder_mead(f, s, 0.3, 20_000);
        if m.value < best.value {
            best = m;
        }
    }
    for step in [0.1, 0.02] {
        let m = nelder_mead(f, &best.x, step, 20_000);
        if m.value <= best.value {
            best = m;
        }
    }
    best
}

pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_a_rosenbrock_valley() {
        let f = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = minimize(&f, &[vec![-1.2, 1.0], vec![2.0, 2.0]]);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-4 && (m.x[1] - 1.0).abs() < 1e-4,
            "{m:?}"
        );
    }

    #[test]
    fn recovers_a_line_by_least_squares() {
        let pts: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, 3.0 + 2.0 * i as f64)).collect();
        let f = |p: &[f64]| {
            pts.iter()
                .map(|(x, y)| (p[0] + p[1] * x - y).powi(2))
                .sum::<f64>()
        };
        let m = minimize(&f, &[vec![0.0, 0.0]]);
        assert!(
            (m.x[0] - 3.0).abs() < 1e-5 && (m.x[1] - 2.0).abs() < 1e-5,
            "{m:?}"
        );
        assert!((sigmoid(logit(0.3)) - 0.3).abs() < 1e-12);
    }
}
