// Tree-shaken ECharts: only the chart types and components the dashboard uses.
// Loaded by Chart.svelte on mount, so neither SSR nor the first paint pays for it.
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import {
	DataZoomComponent,
	GridComponent,
	LegendComponent,
	MarkLineComponent,
	TooltipComponent,
	VisualMapComponent
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
	LineChart,
	BarChart,
	HeatmapChart,
	ScatterChart,
	PieChart,
	GridComponent,
	LegendComponent,
	TooltipComponent,
	VisualMapComponent,
	MarkLineComponent,
	DataZoomComponent,
	CanvasRenderer
]);

export { echarts };
