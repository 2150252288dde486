export type Colour = 'blue' | 'green'

export const COLOURS: readonly Colour[] = ['blue', 'green']

export function isColour (value: unknown): value is Colour {
  return value === 'blue' || value === 'green'
}

export function otherColour (colour: Colour): Colour {
  return colour === 'blue' ? 'green' : 'blue'
}
