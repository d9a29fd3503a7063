/**
 * Where labs live: one directory per lab, holding its state, overlays, keys and the stack outputs
 * and inventory it writes. Play's default inventory (play.yml) points in here, so play and the lab
 * both need the place, and neither should import the other for it.
 */
export const LAB_STATE_ROOT = process.env.PLAY_LAB_STATE ?? '/var/lib/play-lab';
