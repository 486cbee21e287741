import numpy as np
import pandas as pd

from swav_pipeline.plots import confusion_plot, detections_plot, grouped_bars


def test_detections_show_truth_confident_boxes_and_the_best_guesses():
    img = np.zeros((32, 32, 1), np.uint8)
    truth = {"boxes": np.array([[2, 2, 10, 10]]), "labels": np.array([1])}
    weak = {"boxes": np.array([[3, 3, 11, 11], [20, 20, 30, 30]]), "labels": np.array([1, 2]), "scores": np.array([0.2, 0.1])}
    strong = {**weak, "scores": np.array([0.9, 0.6])}
    fig = detections_plot([img, img], [truth, truth], [weak, strong], ["a", "b"], "t", score_threshold=0.5)
    assert [len(ax.patches) for ax in fig.axes[:2]] == [2, 3]  # truth + best guess; truth + both confident
    assert [t.get_text() for t in fig.axes[1].texts] == ["a 0.90", "b 0.60"]


def test_confusion_plot_titles_the_accuracy():
    fig = confusion_plot(np.array([[3, 1], [0, 4]]), ["x", "y"], "probe")
    assert fig.axes[0].get_title().endswith("top-1 0.875")


def test_grouped_bars_draw_one_bar_per_backbone_and_task():
    mean = pd.DataFrame({"swav": [0.8, 0.3], "random": [0.7, np.nan]}, index=["linear", "ap"])
    std = pd.DataFrame({"swav": [0.01, np.nan], "random": [0.02, np.nan]}, index=mean.index)
    fig = grouped_bars(mean, std, "t", "y")
    assert len(fig.axes[0].patches) == 4
