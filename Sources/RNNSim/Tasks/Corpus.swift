#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The text the character-level language model trains on. The built-in corpus is
/// original prose written for rnnscope (plain paragraphs about weather, a
/// lighthouse keeper, bread, trains, a garden and a small harbour town), so the
/// char-LM works with no file and carries no third-party copyright. Its small,
/// repetitive vocabulary is deliberate: a little RNN can learn it in minutes.
public enum Corpus {
    /// Loads the corpus: the built-in text for `nil`, else the UTF-8 file at
    /// `path`, which must hold at least 2 distinct characters to be a task.
    public static func load(path: String?) throws -> String {
        guard let path else { return builtIn }
        guard FileManager.default.fileExists(atPath: path) else { throw CorpusError.missing(path: path) }
        let data: Data
        do {
            // The text, its scalars and their indices: about 24 bytes of working memory per byte.
            data = try InputFile.read(path, bytesPerByte: 24)
        } catch let error as InputFileError {
            throw CorpusError.unreadable(path: path, reason: error.reason)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw CorpusError.notUTF8(path: path)
        }
        let distinct = Set(text.unicodeScalars).count
        guard distinct >= 2 else { throw CorpusError.tooFewCharacters(path: path, distinct: distinct) }
        return text
    }

    public static let builtIn: String = """
The morning was grey and still. A thin rain came in from the sea before
breakfast, and by nine o'clock the hills behind the town had gone soft and
pale, like a drawing that someone had started to rub out. The wind was from
the west, as it usually is in the spring, and it carried the smell of salt
and wet grass up the lane.

By noon the rain had stopped. The clouds broke into long white bands, and the
sun came through in patches that moved across the fields. The old men on the
bench by the harbour said that it would be fine tomorrow. They say that most
days, and most days they are wrong, but nobody minds.

In the evening the sky turned yellow and then red, and the wind fell away to
nothing. The sea was flat and the gulls sat on it in rows. It grew cold very
quickly once the sun was gone, and there was a little frost on the car roofs
before midnight.

The lighthouse stands at the end of the point, on a shelf of dark rock that
the sea has been working at for ten thousand years. It is a white tower with a
black band near the top, and a small house of grey stone sits at its foot. For
forty years the keeper lived in that house with his wife and, later, with his
dog.

Every evening the keeper climbed the one hundred and twelve steps to the lamp
room. He wiped the glass, checked the oil, and wound the clock that turned the
great lens. Then he lit the lamp and watched the beam go out over the water,
once every ten seconds, white, then dark, then white again.

On clear nights he could see the lights of the ships far out, moving slowly
along the edge of the world. On foggy nights he could see nothing at all, and
he sounded the horn every minute until morning. The horn was very loud. The
dog did not like it, and slept under the bed on foggy nights.

The keeper kept a logbook on the table by the window. In it he wrote the time
the lamp was lit, the time it was put out, the weather, the wind, and the
ships that passed. Most entries were short. "Wind west, light. Sea calm. Two
ships, one fishing boat. Lamp out at six." Some days he wrote nothing else.

In the winter storms the waves came over the rock and struck the door of the
house. The windows shook and the spray ran down the glass. The keeper sat by
the stove and mended his nets and listened to the sea. He was never afraid of
it, he said, but he never turned his back on it either.

When the lamp was made automatic, the keeper and his wife moved into the town.
He still walked out to the point every evening to watch the light come on. It
came on by itself now, at the right time, without anyone climbing the steps.
He said it was a good light, and that it did not need him, and that this was
how things should be.

To make a simple loaf of bread you need flour, water, salt and yeast. That is
all. Put the flour in a large bowl and make a hole in the middle. Warm the
water until it feels just warm on your wrist, not hot, and stir the yeast into
it. Add the salt to the flour, away from the yeast, because salt slows the
yeast down.

Pour the water into the flour and mix it with your hand until there is no dry
flour left. The dough will be rough and sticky. Turn it out onto the table and
knead it. Push it away with the heel of your hand, fold it back, turn it, and
push again. After ten minutes it will be smooth and soft and it will spring
back when you press it.

Put the dough back in the bowl, cover it with a cloth, and leave it somewhere
warm. In an hour or two it will have doubled in size. Knock it back, shape it
into a round loaf, and set it on a floured tray. Leave it to rise again while
the oven gets hot.

Bake the loaf in a hot oven for about forty minutes. When it is done it will
be brown on top and it will sound hollow when you tap the bottom. Let it cool
on a rack before you cut it. This is the hardest part. The kitchen will smell
of bread and everyone will want to eat it at once.

The baker in our street starts work at four in the morning. By six the first
loaves are on the shelves, and by seven there is a line of people at the door.
She makes white bread, brown bread, rye bread and small round rolls, and on
Saturdays she makes sweet buns with currants and a sticky top. They are gone
by nine.

She says that good bread needs time more than anything else. A slow rise in a
cool room gives the best taste. Fast bread is fine for a sandwich, she says,
but slow bread is the kind you remember. She has used the same starter for
twenty years, and she feeds it every day with flour and water, like a pet.

The night train leaves the city at ten past eleven. It has six carriages and
a small engine painted dark green. The sleeping cars are at the back, and the
seats are at the front, and in the middle there is a car where you can buy tea
and toast and a hot breakfast in the morning.

The train runs north all night. It crosses a wide river on an iron bridge,
climbs slowly into the hills, and runs along the shore of a long lake. Most
people are asleep by then. A few sit by the windows and watch the dark shapes
of the hills go by, and the small lights of farms, and the moon on the water.

At every station the train stops for a minute or two. A door opens, a man with
a lamp walks along the platform, a bell rings, and the train moves on. The
stations have short plain names. Nobody gets on and nobody gets off, but the
train stops anyway, because that is the timetable.

In the morning the train comes down out of the hills to the sea. The sky is
grey and then blue. The guard walks through the cars and knocks on the doors
and says that we will arrive in half an hour. People fold their blankets and
look for their shoes and stand in the corridor with their bags.

The old station at the end of the line has a glass roof and an iron clock.
The clock is always right. The train stops at the buffers with a small bump,
the doors open, and the passengers walk out into the cold bright air of a
town they have never seen before, or a town they have known all their lives.

The garden is small, with a brick wall on three sides and a wooden gate at the
end. In the early spring it looks bare and brown. The soil is cold and wet.
But the first green points of the bulbs are already pushing up along the wall,
and on a warm day the blackbird sings from the top of the gate.

By the middle of spring the garden is full of colour. There are yellow and
white flowers under the apple tree, and the tree itself is covered in pink
blossom. The grass needs cutting every week. We sow the seeds for the summer:
beans, peas, lettuce, carrots, and a long row of sweet peas by the wall.

In the summer the garden is green and heavy. The beans climb their poles and
the peas hang in fat pods. We water in the evening, when the sun is low, and
the smell of the wet earth rises up from the beds. The bees work all day in
the lavender. On the hottest days the cat sleeps in the shade under the bench.

In the autumn the apples are ripe. We pick them on a dry day and store them in
boxes in the shed, wrapped in paper so that they do not touch. The leaves turn
yellow and brown and fall on the paths. We rake them into a pile in the corner,
where they will rot down slowly into good soil for next year.

In the winter the garden sleeps. The beds are dug over and left rough so that
the frost can break up the soil. The apple tree is bare. On cold mornings the
wall is white with frost and the birds come to the table by the window for
seeds and crumbs. We sit inside by the fire and read the seed catalogues and
plan the spring.

The river starts as a small stream high in the hills. It runs over stones and
under low bridges, and at first you can step across it. Lower down it grows
wider and slower. It passes a mill, a church, a row of cottages, and a field
where cows stand in the shallow water on hot days.

Near the town the river is deep and brown. Boats are tied up along the bank,
and children fish from the bridge with string and bent pins. They never catch
anything, but they come back every day. In the evening the river is quiet and
still, and the lights of the houses shine on the water.

In the spring the river rises with the rain from the hills. It comes over the
low meadows and lies there in wide flat sheets, grey under a grey sky. The
swans swim over the grass where the cows stood in the summer. After a week or
two the water goes down again, and the meadows are greener than before.

On Saturday there is a market in the square. The stalls go up early, before it
is light, and by eight o'clock the square is full of people. There are stalls
for fruit and vegetables, for cheese and eggs, for fish, for flowers, for old
books and for plants in pots. The man who sells fish shouts the prices all
morning in a voice you can hear across the town.

The woman at the egg stall keeps hens on a farm in the hills. She brings brown
eggs and white eggs and a few blue ones, and she writes the prices on a small
board with chalk. She knows most of her customers by name. She asks after
their children and their gardens and their dogs, and she always has time to
talk.

By one o'clock the market is over. The stalls come down, the vans are loaded,
and the square is swept. The pigeons walk about looking for crumbs. By two the
square is empty and quiet again, as if the market had never been there at all,
until next Saturday.

The cat belongs to nobody in particular. She lives at the end of the street and
visits every house in turn. In the morning she sits on the wall by the baker's
door and waits for a piece of crust. At noon she sleeps in the sun on the roof
of the shed. In the evening she comes to our kitchen window and looks in until
someone opens it.

She is grey with white feet and one torn ear. She does not like to be picked
up, but she will sit on your lap if you keep very still. When it rains she
disappears, and nobody knows where she goes. When the sun comes out again she
is back on the wall, dry and clean, as if nothing had happened.

It snowed in the night. In the morning the whole town was white and silent.
The roofs, the walls, the cars and the trees were all covered, and the snow
was still falling in large slow flakes. The children were out before
breakfast, pulling sledges up the hill behind the church.

By the afternoon the sun came out and the snow began to melt. Water dripped
from the roofs and ran in the gutters. The paths turned to grey slush. By the
evening it was freezing again, and the slush went hard and shiny, and people
walked very carefully, holding on to the walls and the railings.

A week later the snow was gone, except in the shade of the walls and on the
tops of the hills. The air was soft and the birds were singing again. The
first lambs were in the fields. The keeper's wife said that winter was over,
and this time the old men on the bench agreed with her.

The school stands at the top of the hill. It has one long room with tall
windows, a yard with a wall around it, and a bell on the roof. Every morning
at nine the bell rings and the children run in from the yard. The teacher
writes the date on the board in white chalk and the day begins.

In the morning they do numbers and letters. They add and take away, they read
aloud in turn, and they copy sentences into their books in their best
writing. In the afternoon they draw, or sing, or go out to the field behind
the school to learn the names of the trees and the birds.

At three the bell rings again and the children go home. Some walk down the
hill in twos and threes, talking and laughing. Some wait by the gate for a
parent. The teacher cleans the board, closes the windows, and sits for a while
in the quiet room before she walks home herself.

The fishing boats go out before dawn. From the harbour wall you can see their
lights moving out past the lighthouse and turning north along the coast. The
men work all morning, setting and hauling the nets and the pots, and sorting
the catch into boxes on the deck.

They come back in the early afternoon, low in the water, with the gulls
crying behind them. The boxes are lifted onto the quay and carried to the fish
market, where the buyers are waiting. The men wash down the decks, mend the
nets, and go home to sleep. Tomorrow they will do it all again.

On stormy days the boats stay in the harbour. They rock against the wall and
their ropes creak. The men stand in the doorway of the harbour office and look
at the sky and talk about the weather, and about other storms, and about the
fish they caught when they were young.

The wind blew from the north all week. It was a cold dry wind that came down
from the hills and made the windows rattle. The washing froze on the line. The
sky was hard and blue and there was not a cloud in it. At night the stars were
very bright, and the lighthouse beam swept over the black sea.

On Sunday the wind changed. It swung round to the south and grew warm and
damp, and the clouds came in low over the sea. By the afternoon it was raining
again, a soft steady rain that fell all night. In the morning the streets were
wet and shining, and the gardens smelled of earth.

The weather is always changing here, and the people always talk about it. They
talk about the wind and the rain at the bakery, at the market, on the train,
at the school gate and on the bench by the harbour. It is a small town by a
cold sea, and the weather is the one thing that everyone shares.

When the days are long, the light stays in the sky until nearly eleven. The
keeper used to say that in June he hardly needed the lamp at all. When the
days are short, it is dark by four, and the lamp burns for sixteen hours. The
beam goes round and round, white, then dark, then white again, all through
the long night, until the grey morning comes back over the hills.
"""
}

/// Why a corpus file could not be used; `description` is one line naming the file.
public enum CorpusError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case notUTF8(path: String)
    case tooFewCharacters(path: String, distinct: Int)

    public var description: String {
        switch self {
        case .missing(let path): return "corpus file not found: \(TextSafety.quoted(path, limit: 400))"
        case .unreadable(let path, let reason): return "corpus file \(TextSafety.quoted(path, limit: 400)) could not be read: \(reason)"
        case .notUTF8(let path): return "corpus file is not valid UTF-8 text: \(TextSafety.quoted(path, limit: 400))"
        case .tooFewCharacters(let path, let distinct):
            return "corpus file needs at least 2 distinct characters, \(TextSafety.quoted(path, limit: 400)) has \(distinct)"
        }
    }
}
