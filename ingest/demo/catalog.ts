/**
 * Fixed vocabularies of the demo: countries with their viewers' time zones and
 * ad prices, topics with caption words. Captions are built from slots so that
 * originals rarely collide while remixes (parent caption + one word) and trend
 * copies (same template, last word swapped) are near duplicates under 3-word
 * shingle MinHash (Jaccard ≈ 0.85–0.93).
 */

export interface Country {
	code: string;
	weight: number;
	/** Viewers' UTC offsets in minutes (one is drawn per user). */
	tz: readonly number[];
	/** Ad price per thousand ad impressions, USD. */
	cpm: number;
}

export const COUNTRIES: readonly Country[] = [
	{ code: 'US', weight: 30, tz: [-240, -300, -360, -420], cpm: 14 },
	{ code: 'IN', weight: 12, tz: [330], cpm: 1.2 },
	{ code: 'BR', weight: 10, tz: [-180], cpm: 3.2 },
	{ code: 'GB', weight: 7, tz: [60], cpm: 11 },
	{ code: 'DE', weight: 6, tz: [120], cpm: 10 },
	{ code: 'MX', weight: 6, tz: [-360], cpm: 3 },
	{ code: 'ID', weight: 6, tz: [420], cpm: 1.5 },
	{ code: 'JP', weight: 5, tz: [540], cpm: 9 },
	{ code: 'FR', weight: 5, tz: [120], cpm: 9 },
	{ code: 'KR', weight: 4, tz: [540], cpm: 8 },
	{ code: 'CA', weight: 4, tz: [-240, -420], cpm: 11 },
	{ code: 'NG', weight: 3, tz: [60], cpm: 1 },
	{ code: 'PH', weight: 2, tz: [480], cpm: 1.5 }
];

export const PLATFORMS = ['ios', 'android', 'web'] as const;
export const PLATFORM_WEIGHTS = [45, 45, 10];
/** Ad price multiplier per platform. */
export const PLATFORM_CPM = { ios: 1.2, android: 0.9, web: 0.8 } as const;

export const SURFACES = ['feed', 'following', 'profile', 'search', 'share_link'] as const;
export const SURFACE_WEIGHTS = [82, 8, 4, 3, 3];

export interface Topic {
	name: string;
	/** Share of global interest. */
	weight: number;
	subjects: readonly string[];
	actions: readonly string[];
	places: readonly string[];
}

export const TOPICS: readonly Topic[] = [
	{ name: 'comedy', weight: 14, subjects: ['a grumpy landlord', 'two office interns', 'my overconfident uncle', 'a tired barista', 'the group chat'], actions: ['misunderstands a simple instruction', 'argues about pineapple pizza', 'tries stand-up for the first time', 'pranks the whole team', 'gets stuck in a revolving door'], places: ['in a tiny elevator', 'at a family dinner', 'on a crowded train', 'in an open-plan office', 'at the dentist'] },
	{ name: 'pets', weight: 12, subjects: ['a fluffy corgi', 'an orange tabby cat', 'a very small hamster', 'a golden retriever puppy', 'a curious parrot'], actions: ['discovers snow for the first time', 'steals a whole croissant', 'learns to open the fridge', 'meets a robot vacuum', 'refuses to take a bath'], places: ['in a cozy kitchen', 'at the beach', 'in a snowy backyard', 'on a sunny balcony', 'at the vet'] },
	{ name: 'cooking', weight: 9, subjects: ['a street food vendor', 'a home baker', 'a sushi master', 'a grandma', 'a college student'], actions: ['makes ramen from scratch', 'flips a giant pancake', 'bakes sourdough at dawn', 'plates a five-course dinner', 'rescues a burnt lasagna'], places: ['in a night market', 'in a rustic farmhouse', 'in a neon-lit food truck', 'in a tiny dorm kitchen', 'on a mountain campsite'] },
	{ name: 'travel', weight: 7, subjects: ['a solo backpacker', 'a vintage camper van', 'a hot air balloon', 'a sleeper train', 'a lost tourist'], actions: ['drifts over ancient temples', 'crosses a glacier at sunrise', 'finds a hidden waterfall', 'gets lost in a spice bazaar', 'watches the northern lights'], places: ['in Cappadocia', 'in the Scottish highlands', 'in Kyoto', 'in Patagonia', 'in Marrakesh'] },
	{ name: 'fitness', weight: 6, subjects: ['a marathon runner', 'a yoga teacher', 'a powerlifter', 'a rock climber', 'a retired boxer'], actions: ['tries a 100 push-up challenge', 'climbs a frozen waterfall', 'does sunrise yoga', 'races a cheetah in slow motion', 'sets a new personal record'], places: ['on a rooftop gym', 'in a misty forest', 'on a desert dune', 'in a boxing ring', 'at an empty stadium'] },
	{ name: 'music', weight: 8, subjects: ['a street violinist', 'a lo-fi beat producer', 'a jazz trio of robots', 'a choir of cats', 'a teenage drummer'], actions: ['covers a nineties hit', 'jams with a thunderstorm', 'builds a song from kitchen sounds', 'plays a concert for pigeons', 'drops the beat at midnight'], places: ['in a subway station', 'on a floating stage', 'in a neon club', 'in a cathedral', 'in a garage studio'] },
	{ name: 'gaming', weight: 8, subjects: ['a speedrunner', 'a pixel-art knight', 'a racing kart', 'a boss monster', 'a retro arcade cabinet'], actions: ['breaks a world record', 'escapes a collapsing dungeon', 'finds a secret level', 'loses to a tutorial enemy', 'glitches through the map'], places: ['in a voxel world', 'in a cyberpunk city', 'in a haunted castle', 'on a rainbow race track', 'in a space station'] },
	{ name: 'fashion', weight: 5, subjects: ['a runway model', 'a thrift-store stylist', 'a sneaker collector', 'a tailor', 'a couture robot'], actions: ['styles one jacket five ways', 'turns curtains into a gown', 'reviews a million-dollar sneaker', 'walks a runway made of water', 'restores a vintage coat'], places: ['in Paris', 'in a thrift store', 'on a neon runway', 'in a tailor shop', 'in Tokyo streets'] },
	{ name: 'science', weight: 5, subjects: ['a tiny astronaut', 'a chemistry teacher', 'a deep-sea robot', 'a black hole', 'a swarm of bees'], actions: ['explains gravity with marbles', 'grows crystals overnight', 'explores a hydrothermal vent', 'swallows a star', 'builds a perfect hexagon'], places: ['in a home lab', 'on the moon', 'at the ocean floor', 'in deep space', 'inside a beehive'] },
	{ name: 'sports', weight: 6, subjects: ['a street footballer', 'a skateboarder', 'a basketball rookie', 'a surfer', 'a chess grandmaster'], actions: ['scores from the halfway line', 'lands a triple kickflip', 'hits a buzzer beater', 'rides a giant wave', 'wins with a queen sacrifice'], places: ['in a favela court', 'at a skatepark', 'in a packed arena', 'in Nazare', 'in a park in winter'] },
	{ name: 'art', weight: 4, subjects: ['a watercolor painter', 'a sand sculptor', 'a graffiti crew', 'a clay potter', 'a paper-cut artist'], actions: ['paints a storm in one stroke', 'sculpts a dragon from sand', 'covers a wall in a night', 'throws a perfect vase', 'animates a paper city'], places: ['in a quiet studio', 'on a windy beach', 'under a bridge', 'in a village workshop', 'in a gallery'] },
	{ name: 'diy', weight: 4, subjects: ['a weekend carpenter', 'a van-life builder', 'a tiny-house couple', 'a bike mechanic', 'a robot hobbyist'], actions: ['builds a treehouse in a day', 'restores a rusty bicycle', 'turns pallets into a sofa', 'wires a smart mirror', 'fixes a leaking roof'], places: ['in a garage', 'in a backyard', 'in a workshop', 'in a converted van', 'on a rooftop'] },
	{ name: 'nature', weight: 5, subjects: ['a snow leopard', 'a family of otters', 'a giant sequoia', 'a murmuration of starlings', 'a glowing jellyfish'], actions: ['hunts in a blizzard', 'holds hands while sleeping', 'survives a wildfire', 'paints the sky at dusk', 'drifts through a dark bay'], places: ['in the Himalayas', 'in a kelp forest', 'in California', 'over Rome', 'in a bioluminescent bay'] },
	{ name: 'tech', weight: 4, subjects: ['a humanoid robot', 'a foldable phone', 'a home server rack', 'a drone swarm', 'a mechanical keyboard'], actions: ['folds laundry badly', 'survives a drop test', 'runs a model at home', 'draws a dragon in the sky', 'gets a custom keycap set'], places: ['in a living room', 'in a test lab', 'in a basement', 'over a stadium', 'on a cluttered desk'] },
	{ name: 'dance', weight: 5, subjects: ['a ballet dancer', 'a breakdance crew', 'a salsa couple', 'a dancing robot', 'a flash mob'], actions: ['nails a viral routine', 'dances in zero gravity', 'wins a dance battle', 'teaches grandma a trend', 'dances in the rain'], places: ['in a train station', 'on a rooftop', 'in a ballroom', 'on the moon', 'in a shopping mall'] },
	{ name: 'asmr', weight: 3, subjects: ['a soap cutter', 'a rain window', 'a glass marble run', 'a crinkly paper', 'a sand slicer'], actions: ['slices kinetic sand', 'taps on glass jars', 'pours honey slowly', 'cuts soap cubes', 'rolls marbles down a spiral'], places: ['in a quiet room', 'under soft light', 'in slow motion', 'at midnight', 'on a velvet table'] }
];

/**
 * Inserted after the subject's first word and after the place: they multiply
 * the caption space (~37 000 subject–action–place phrasings per topic), so
 * unrelated originals rarely share long phrases (which would make them
 * near-duplicate candidates) even at the large scale.
 */
export const ADJECTIVES = ['sleepy', 'tiny', 'giant', 'brave', 'clumsy', 'fancy', 'grumpy', 'happy', 'lazy', 'nervous', 'proud', 'quiet', 'silly', 'sneaky', 'sparkly', 'spooky', 'stubborn', 'sweet', 'wild', 'curious', 'dramatic', 'fearless', 'gentle', 'hungry', 'jolly', 'lucky', 'mighty', 'polite', 'restless', 'tireless'];
export const TIMES = ['at dawn', 'at noon', 'at sunset', 'at midnight', 'in the rain', 'during a storm', 'on a monday', 'in winter', 'in summer', 'after school'];

export const STYLES = ['cinematic', 'hand-drawn', 'claymation', 'photorealistic', 'anime', 'documentary', 'vaporwave', 'watercolor', 'film noir', 'stop-motion'];
export const CAMERAS = ['drone shot', 'handheld close-up', 'slow dolly zoom', 'wide establishing shot', 'first-person view', 'macro lens', 'tracking shot', 'time-lapse'];
export const MOODS = ['golden hour light', 'moody blue tones', 'soft pastel palette', 'high-contrast neon', 'warm film grain', 'foggy morning light'];
export const OPENERS = ['when', 'watch as', 'pov:', 'nobody expected', 'this is how', 'day 1 of', 'imagine', 'the moment'];

/** Words a remix appends to its parent's caption. */
export const REMIX_SUFFIXES = ['remix', 'again', 'sequel', 'but faster', 'extended', 'part two', 'reversed', 'but louder', 'loop', 'edit'];
/** Trend templates copied by many feed-prefill videos with only the last word swapped. */
export const TREND_ENDINGS = ['today', 'tonight', 'forever', 'again', 'twice', 'instantly', 'somehow', 'literally', 'anyway', 'respectfully', 'finally', 'honestly'];
