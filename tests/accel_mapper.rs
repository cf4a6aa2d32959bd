//! The random mapper against Timeloop's mapper optimum on exercise 06 (the Eyeriss-like
//! architecture, VGG02 layer 5, row-stationary constraints). It does not reach Timeloop's
//! random-pruned mapper yet (5382.31 uJ): 400 samples give 5663.89 uJ (+5.2%), 60 give 6544.51 uJ
//! (+21.6%). This guards the
//! map space and the sampler against regressions with a small budget (debug builds evaluate this
//! 168-PE layer in a few hundred ms).

use l2mac::sim::accel::eyeriss::{default_dir, map_space, network, reference_arch};
use l2mac::sim::accel::mapper::{search, MapperMetric};

#[test]
fn eyeriss_vgg02_layer5_mapper_within_25_percent_of_timeloops_optimum() {
    let arch = reference_arch(&default_dir()).expect("reference arch");
    let layer = network("vgg02_layer5").expect("layer set").remove(0);
    let space = map_space(&arch);
    let (_, best) =
        search(&arch, &layer, &space, 60, 1, MapperMetric::Energy).expect("some legal mapping");
    // Timeloop 3.0.3's mapper: 5382.31 uJ, 5505024 cycles (ref-output/timeloop-mapper.stats.txt).
    eprintln!("energy {:.2} uJ cycles {}", best.energy_uj(), best.cycles);
    assert!(
        best.energy_uj() <= 1.25 * 5382.31,
        "energy {:.2} uJ",
        best.energy_uj()
    );
    assert!(
        best.energy_uj() > 0.99 * 5382.31,
        "better than Timeloop's optimum: check the model"
    );
}
